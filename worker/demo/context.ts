// Takes nothing; declares the types the demo origin's routes share (Hono variables, dependencies).
// Must not hold values: state is created by origin.ts and passed to each route group.
import type { DemoState } from './state'

/** Hono environment: `user` is the signed-in user's email, set for every request (or undefined). */
export type DemoEnv = { Variables: { user: string | undefined } }

/** What every route group needs: the demo's in-memory state and a clock (ms since the epoch). */
export type Deps = { readonly state: DemoState; readonly now: () => number }
