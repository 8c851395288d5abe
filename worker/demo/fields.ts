// Takes a parsed body's fields; returns each form's typed values, or the names of the bad fields.
// Must not throw on any input: wrong types, missing fields and junk all become a list of names.
import * as v from 'valibot'
import type { Fields } from './body'

/** A string field, trimmed, 1..max characters. */
const text = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max))

/** A string or a JSON number, as a trimmed string. */
const stringish = v.union([
  v.pipe(v.number(), v.finite(), v.transform(String)),
  v.pipe(v.string(), v.trim()),
])

const email = v.pipe(v.string(), v.trim(), v.maxLength(254), v.email())

/** A whole number of 1..digits digits (string or JSON number). */
const whole = (digits: number) =>
  v.pipe(stringish, v.regex(new RegExp(`^\\d{1,${digits}}$`)), v.transform(Number))

/** A positive amount with at most two decimals, as cents (at most $1,000,000,000). */
const cents = v.pipe(
  stringish,
  v.regex(/^\d{1,10}(\.\d{1,2})?$/),
  v.transform((s) => Math.round(Number(s) * 100)),
  v.minValue(1),
  v.maxValue(100_000_000_000),
)

export const LoginForm = v.object({
  username: text(254),
  password: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
})

export const SignupForm = v.object({
  email,
  password: v.pipe(v.string(), v.minLength(8), v.maxLength(128)),
})

/** At least one of the fields; a post that changes nothing is a 400. */
export const ProfileForm = v.pipe(
  v.object({
    name: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(100))),
    email: v.optional(v.union([v.literal(''), email])),
    phone: v.optional(v.pipe(v.string(), v.trim(), v.regex(/^[0-9 +().-]{0,32}$/))),
  }),
  v.check((p) => p.name !== undefined || p.email !== undefined || p.phone !== undefined),
)

export const TransferForm = v.object({ to: text(64), amount: cents })

export const CartForm = v.object({
  product_id: v.pipe(whole(4), v.minValue(1), v.maxValue(1000)),
  qty: v.optional(v.pipe(whole(2), v.minValue(1), v.maxValue(99)), '1'),
})

export const CheckoutForm = v.object({
  card_number: v.pipe(stringish, v.transform((s) => s.replace(/[\s-]/g, '')), v.regex(/^\d{12,19}$/)),
  exp: v.pipe(v.string(), v.trim(), v.regex(/^(0[1-9]|1[0-2])\s*\/?\s*(\d{2}|\d{4})$/)),
  cvv: v.pipe(stringish, v.regex(/^\d{3,4}$/)),
  amount: cents,
})

export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly invalid: readonly string[] }

/** Validates fields against a form schema; on failure, the sorted names of the bad fields. */
export function check<S extends v.GenericSchema>(schema: S, fields: Fields): Checked<v.InferOutput<S>> {
  const result = v.safeParse(schema, fields)
  if (result.success) return { ok: true, value: result.output }
  const names = new Set<string>()
  for (const issue of result.issues) {
    const key: unknown = issue.path?.[0]?.key
    names.add(typeof key === 'string' ? key : 'body')
  }
  return { ok: false, invalid: [...names].sort() }
}
