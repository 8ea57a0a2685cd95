export default defineEventHandler(async (event) => {
  const { item } = await readBody<{ item?: unknown }>(event)
  if (typeof item !== 'string' || !item) throw createError({ statusCode: 400, statusMessage: 'item must be a non-empty string' })
  return wixVisitorFetch(event, '/ecom/v1/carts/current/add-to-cart', { method: 'POST', body: addToCartBody(item) })
})
