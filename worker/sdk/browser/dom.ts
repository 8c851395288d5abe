// The slice of the browser DOM the SDK uses, typed by hand: the Worker's tsconfig has no DOM
// lib (workers-types would clash). Takes nothing; exports types and `win`. Runs only in browsers.
/* eslint-disable @typescript-eslint/no-explicit-any */

export interface El {
  readonly tagName: string
  getAttribute(name: string): string | null
  setAttribute(name: string, value: string): void
}
export interface InputEl extends El {
  readonly type: string
  readonly name: string
  readonly id: string
  readonly autocomplete: string
  readonly value: string
  readonly form: FormEl | null
}
export interface FormEl extends El {
  querySelectorAll(selector: string): ArrayLike<El>
  appendChild(node: unknown): unknown
}
export interface Evt {
  readonly type: string
  readonly target: unknown
  readonly timeStamp: number
  readonly isTrusted: boolean
  readonly defaultPrevented: boolean
  preventDefault(): void
}
export interface KeyEvt extends Evt {
  readonly key: string
  readonly repeat: boolean
  readonly ctrlKey: boolean
  readonly metaKey: boolean
  readonly altKey: boolean
}
export interface SubmitEvt extends Evt {
  readonly submitter?: El | null
}
export interface AnimEvt extends Evt {
  readonly animationName: string
}
export interface InputEvt extends Evt {
  readonly inputType?: string
}

type Listener = (e: any) => void
export interface EvtTarget {
  addEventListener(type: string, fn: Listener, options?: boolean | { capture?: boolean; passive?: boolean }): void
  removeEventListener(type: string, fn: Listener, options?: boolean | { capture?: boolean }): void
}
export interface Doc extends EvtTarget {
  readonly readyState: string
  readonly documentElement: El
  readonly head: { appendChild(node: unknown): unknown } | null
  createElement(tag: string): any
  querySelectorAll(selector: string): ArrayLike<unknown>
  querySelector(selector: string): El | null
  /** The <script> running right now (classic scripts, deferred included); null elsewhere. */
  readonly currentScript?: El | null
}
export interface Nav {
  readonly webdriver?: boolean
  readonly userAgent: string
  readonly languages?: readonly string[]
  readonly plugins?: { readonly length: number }
  readonly hardwareConcurrency?: number
  readonly storage?: { estimate?(): Promise<{ quota?: number }>; getDirectory?(): Promise<unknown> }
}
export interface Win extends EvtTarget {
  readonly document: Doc
  readonly navigator: Nav
  readonly screen?: { readonly width: number; readonly height: number; readonly colorDepth: number }
  readonly devicePixelRatio?: number
  readonly outerWidth?: number
  readonly innerWidth?: number
  readonly chrome?: unknown
  readonly performance: { now(): number; readonly memory?: { readonly jsHeapSizeLimit?: number } }
  readonly HTMLFormElement: { readonly prototype: { submit(this: FormEl): void } }
  __edgewardSdk?: number
}

export const win = globalThis as unknown as Win

export const isInput = (x: unknown): x is InputEl =>
  typeof x === 'object' && x !== null && (x as El).tagName === 'INPUT'
export const isForm = (x: unknown): x is FormEl =>
  typeof x === 'object' && x !== null && (x as El).tagName === 'FORM'
