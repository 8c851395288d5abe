// Takes products, cart lines and checkout outcomes; returns the shop's HTML pages.
// Must not show a full card number: checkout pages show only the last four digits.
import type { Product, ProductPage } from '../catalog'
import { formatMoney } from '../money'
import { html } from './html'
import type { SafeHtml } from './html'
import { page } from './layout'
import type { Viewer } from './layout'

function pager(p: ProductPage): SafeHtml {
  const prev = p.page > 1 ? html`<a href="/products?page=${p.page - 1}" rel="prev">Previous</a>` : ''
  const next = p.page < p.pages ? html`<a href="/products?page=${p.page + 1}" rel="next">Next</a>` : ''
  return html`<nav aria-label="Pages"><p>${prev} Page ${p.page} of ${p.pages} ${next}</p></nav>`
}

export function productsPage(p: ProductPage, viewer: Viewer): string {
  const items = p.products.map(
    (product) =>
      html`<li><a href="/products/${product.id}">${product.name}</a> — ${formatMoney(product.price)}</li>`,
  )
  return page('Products', html`<ul class="products">${items}</ul>${pager(p)}`, viewer)
}

function cartForm(product: Product): SafeHtml {
  if (product.stock === 0) return html`<p>Out of stock.</p>`
  return html`<form method="post" action="/cart">
  <input type="hidden" name="product_id" value="${product.id}">
  <label for="qty">Quantity</label>
  <input id="qty" name="qty" type="number" min="1" max="99" value="1">
  <button type="submit">Add to cart</button>
</form>`
}

export function productPage(product: Product, viewer: Viewer): string {
  return page(
    product.name,
    html`<p>Price: <strong>${formatMoney(product.price)}</strong></p>
<p>In stock: ${product.stock}</p>
${cartForm(product)}
<p><a href="/products">All products</a></p>`,
    viewer,
  )
}

/** The cart line just added, with the checkout form for its total. */
export function cartPage(product: Product, qty: number, viewer: Viewer): string {
  const total = product.price * qty
  return page(
    'Your cart',
    html`<p role="status">Added ${qty} × <a href="/products/${product.id}">${product.name}</a>.</p>
<p>Total: <strong>${formatMoney(total)}</strong></p>
<section aria-labelledby="pay"><h2 id="pay">Checkout</h2>
<form method="post" action="/checkout">
  <input type="hidden" name="amount" value="${(total / 100).toFixed(2)}">
  <label for="card_number">Card number</label>
  <input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" required>
  <label for="exp">Expiry (MM/YY)</label>
  <input id="exp" name="exp" autocomplete="cc-exp" placeholder="MM/YY" required>
  <label for="cvv">Security code</label>
  <input id="cvv" name="cvv" inputmode="numeric" autocomplete="cc-csc" required>
  <button type="submit">Pay ${formatMoney(total)}</button>
</form></section>`,
    viewer,
  )
}

export function checkoutPage(approved: boolean, last4: string, amountCents: number, viewer: Viewer): string {
  const body = approved
    ? html`<p role="status">Payment of <strong>${formatMoney(amountCents)}</strong> approved
        on the card ending ${last4}. Thank you!</p>`
    : html`<p class="alert" role="alert">The card ending ${last4} was declined. Please try another card.</p>`
  const title = approved ? 'Order confirmed' : 'Payment declined'
  return page(title, html`${body}<p><a href="/products">Keep shopping</a></p>`, viewer)
}
