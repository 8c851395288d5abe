// Takes the demo state; returns the shop routes: product pages, product API, cart and checkout.
// Must not charge anything: checkout approves two test card numbers and declines every other.
import { Hono } from 'hono'
import { readFields } from '../body'
import { PRODUCT_COUNT, parseProductId, productById, productPage } from '../catalog'
import type { DemoEnv, Deps } from '../context'
import { CartForm, CheckoutForm, check } from '../fields'
import { centsToDecimal } from '../money'
import { messagePage } from '../pages/layout'
import { cartPage, checkoutPage, productPage as productHtml, productsPage } from '../pages/shop'
import { bodyProblem, invalidFields, notFound, reply } from '../reply'

/** Card numbers the demo payment processor approves; any other well-formed number gets 402. */
export const APPROVED_CARDS: ReadonlySet<string> = new Set(['4111111111111111', '5555555555554444'])

const PER_PAGE_DEFAULT = 50

/** A positive whole number from the query, the fallback when absent, undefined when invalid. */
function queryNumber(raw: string | undefined, fallback: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return fallback
  if (!/^[1-9]\d{0,4}$/.test(raw)) return undefined
  const n = Number(raw)
  return n <= max ? n : undefined
}

function badQuery(request: Request): Response {
  return reply(request, {
    status: 400,
    json: { ok: false, error: 'invalid_query' },
    page: () =>
      messagePage('Bad page number', 'That page number is not valid.', { href: '/products', label: 'All products' }),
  })
}

export function shopRoutes(_deps: Deps): Hono<DemoEnv> {
  const app = new Hono<DemoEnv>()

  app.get('/products', (c) => {
    const pageNo = queryNumber(c.req.query('page'), 1, Math.ceil(PRODUCT_COUNT / PER_PAGE_DEFAULT))
    if (pageNo === undefined) return badQuery(c.req.raw)
    return c.html(productsPage(productPage(pageNo, PER_PAGE_DEFAULT), c.get('user')))
  })

  app.get('/products/:id', (c) => {
    const id = parseProductId(c.req.param('id'))
    const product = id === undefined ? undefined : productById(id)
    if (!product) return notFound(c.req.raw, c.get('user'))
    return c.html(productHtml(product, c.get('user')))
  })

  app.get('/api/products', (c) => {
    const perPage = queryNumber(c.req.query('per_page'), PER_PAGE_DEFAULT, PRODUCT_COUNT)
    const pages = Math.ceil(PRODUCT_COUNT / (perPage ?? PER_PAGE_DEFAULT))
    const pageNo = queryNumber(c.req.query('page'), 1, pages)
    if (perPage === undefined || pageNo === undefined) {
      return c.json({ ok: false, error: 'invalid_query' }, 400)
    }
    const result = productPage(pageNo, perPage)
    return c.json({
      page: result.page,
      per_page: result.perPage,
      total: result.total,
      pages: result.pages,
      products: result.products.map((p) => ({
        id: p.id,
        name: p.name,
        price: centsToDecimal(p.price),
        stock: p.stock,
      })),
    })
  })

  app.post('/cart', async (c) => {
    const req = c.req.raw
    const body = await readFields(req)
    if (!body.ok) return bodyProblem(req, body.reason, c.get('user'))
    const form = check(CartForm, body.fields)
    if (!form.ok) return invalidFields(req, form.invalid, '/products', c.get('user'))
    const product = productById(form.value.product_id)
    if (!product) return notFound(req, c.get('user'))
    const { qty } = form.value
    return reply(req, {
      status: 200,
      json: { ok: true, product_id: product.id, qty, total: centsToDecimal(product.price * qty) },
      page: () => cartPage(product, qty, c.get('user')),
    })
  })

  app.post('/checkout', async (c) => {
    const req = c.req.raw
    const body = await readFields(req)
    if (!body.ok) return bodyProblem(req, body.reason, c.get('user'))
    const form = check(CheckoutForm, body.fields)
    if (!form.ok) return invalidFields(req, form.invalid, '/products', c.get('user'))
    const { card_number: card, amount } = form.value
    const approved = APPROVED_CARDS.has(card)
    const last4 = card.slice(-4)
    return reply(req, {
      status: approved ? 200 : 402,
      json: approved
        ? { ok: true, amount: centsToDecimal(amount), last4 }
        : { ok: false, error: 'card_declined', last4 },
      page: () => checkoutPage(approved, last4, amount, c.get('user')),
    })
  })

  return app
}
