// Result: untrusted input that fails a check is a value, not an exception.
// The tagged `reason` becomes a feature and a log field; the client never sees it.

export type Ok<T> = { readonly ok: true; readonly value: T }
export type Err<R extends string = string> = { readonly ok: false; readonly reason: R; readonly detail?: string }
export type Result<T, R extends string = string> = Ok<T> | Err<R>

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value })
export const err = <R extends string>(reason: R, detail?: string): Err<R> =>
  detail === undefined ? { ok: false, reason } : { ok: false, reason, detail }
