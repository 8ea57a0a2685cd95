/** The stand-in's (and Wix eCommerce's) current-cart answer, as far as the playground shows it. */
export interface CartResponse {
  cart: {
    buyerInfo?: { visitorId?: string }
    lineItems: { catalogItemId: string, quantity: number }[]
  }
}

/** The body of an add-to-cart request for one item. */
export function addToCartBody(catalogItemId: string) {
  return { lineItems: [{ catalogReference: { catalogItemId }, quantity: 1 }] }
}

/** A cart in one short line, `tea×1,mug×2`, or `empty`. */
export function describeCart(response: CartResponse | null | undefined): string {
  return response?.cart.lineItems.map(line => `${line.catalogItemId}×${line.quantity}`).join(',') || 'empty'
}
