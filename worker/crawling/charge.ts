// Pay per crawl's two answers: the 402 a verified crawler of a `charge` category gets until it agrees
// to the price, and the receipt header on the page it paid for. The shape follows the pay-per-crawl
// pattern crawlers already speak (docs/crawlers.md): `crawler-price` asks, `crawler-exact-price` or
// `crawler-max-price` agrees, `crawler-charged` confirms, `crawler-error` says why not.
import { MITIGATED_HEADER, REF_HEADER } from '../../src/action/respond'
import type { Payment } from '../../src/signals/crawlers/policy'

export function chargeResponse(payment: Extract<Payment, { paid: false }>, terms: string | null, ref: string): Response {
  const headers = new Headers({
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    [MITIGATED_HEADER]: 'block',
    [REF_HEADER]: ref,
    'crawler-price': payment.price,
    'crawler-error': payment.error,
  })
  if (terms !== null) headers.set('crawler-terms', terms)
  return new Response(JSON.stringify({ error: 'payment_required', price: payment.price, ...(terms === null ? {} : { terms }), ref }), { status: 402, headers })
}

/** The origin's answer with `crawler-charged: <price>` (a copy: an origin's headers may be immutable). */
export function withCrawlerCharged(response: Response, price: string): Response {
  const out = new Response(response.body, response)
  out.headers.set('crawler-charged', price)
  return out
}
