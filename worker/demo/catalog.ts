// Takes product ids and page numbers; returns products computed from their id (1–1000).
// Must not store a catalogue: every product is derived deterministically from its id.

export const PRODUCT_COUNT = 1000

export type Product = {
  readonly id: number
  readonly name: string
  /** Price in cents. */
  readonly price: number
  readonly stock: number
}

const ADJECTIVES = [
  'Classic', 'Compact', 'Deluxe', 'Everyday', 'Limited', 'Midnight',
  'Premium', 'Rugged', 'Signature', 'Travel', 'Vintage', 'Wireless',
] as const
const NOUNS = [
  'Backpack', 'Blender', 'Camera', 'Headphones', 'Kettle', 'Lamp', 'Notebook',
  'Sneakers', 'Speaker', 'Sunglasses', 'Watch', 'Water Bottle', 'Concert Ticket',
] as const

/** The product with this id, or undefined when the id is outside 1–1000. */
export function productById(id: number): Product | undefined {
  if (!Number.isInteger(id) || id < 1 || id > PRODUCT_COUNT) return undefined
  const adjective = ADJECTIVES[id % ADJECTIVES.length] ?? 'Classic'
  const noun = NOUNS[Math.floor(id / ADJECTIVES.length) % NOUNS.length] ?? 'Item'
  return {
    id,
    name: `${adjective} ${noun} #${id}`,
    price: 199 + ((id * 7919) % 29_800),
    stock: (id * 31) % 17,
  }
}

/** Parses a path segment as a product id: a canonical decimal integer, no signs or zeros in front. */
export function parseProductId(segment: string): number | undefined {
  if (!/^[1-9]\d{0,3}$/.test(segment)) return undefined
  return productById(Number(segment))?.id
}

export type ProductPage = {
  readonly products: readonly Product[]
  readonly page: number
  readonly perPage: number
  readonly total: number
  readonly pages: number
}

/** One page of the catalogue (pages count from 1; a page past the end is empty). */
export function productPage(page: number, perPage: number): ProductPage {
  const products: Product[] = []
  const first = (page - 1) * perPage + 1
  for (let id = first; id < first + perPage && id <= PRODUCT_COUNT; id++) {
    const product = productById(id)
    if (product) products.push(product)
  }
  return { products, page, perPage, total: PRODUCT_COUNT, pages: Math.ceil(PRODUCT_COUNT / perPage) }
}
