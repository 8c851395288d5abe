// Takes amounts in cents; returns them formatted as dollars for pages and JSON.
// Must not use floating point for balances: every amount in the demo is an integer of cents.

/** Formats cents as dollars, e.g. 123456 → "$1,234.56". */
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(Math.round(cents))
  const dollars = Math.floor(abs / 100).toLocaleString('en-US')
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`
}

/** Cents as a plain decimal string for JSON, e.g. 1999 → "19.99". */
export function centsToDecimal(cents: number): string {
  return formatMoney(cents).replace(/[$,]/g, '')
}
