// Units a cart add asks for: takes a cart POST's query and body head (as credentials.ts reads them) and
// the configured quantity field names; returns the units summed over every quantity field, 1 when none
// is named (a cart's default), or null when the body could not be read (cut off, coded, malformed).
// What it is for: a person adds a unit or a few from the page they are on; a hoarder holds stock in
// bulk (src/policy/decide.ts, the first adds' grace). Never throws.
import { fieldPath, lastSegment, requestPairs, type CredentialInput } from './credentials'

/** Units beyond this are read as this many: a number past it is no cart's. */
export const CART_UNITS_MAX = 1_000_000

export function cartUnits(input: Omit<CredentialInput, 'authorization'>, quantityFields: readonly string[]): number | null {
  const { pairs, problem } = requestPairs(input)
  if (problem !== null) return null
  let units = 0
  let named = false
  for (const [key, value] of pairs) {
    // `items[0][qty]`, `items.0.qty` and `qty` alike: the last name segment is the field.
    if (!quantityFields.includes(lastSegment(fieldPath(key)))) continue
    named = true
    const n = Number(value.trim())
    // An amount the origin cannot read as units (negative, fractional, text) counts as the most it could mean.
    units += Number.isInteger(n) && n >= 0 ? Math.min(n, CART_UNITS_MAX) : CART_UNITS_MAX
  }
  return named ? Math.min(units, CART_UNITS_MAX) : 1
}
