// The backend-for-frontend way: the server calls Wix with the visitor of the request's cookie.
export default defineEventHandler(event => wixVisitorFetch(event, '/ecom/v1/carts/current'))
