// The browser SDK entry: records behaviour on this page, posts telemetry soon after load and
// again just before a credential form submits (waiting at most SUBMIT_WAIT_MS), then lets the
// form go natively. Every report carries the page view's signed nonce from the SDK's own tag.
// Must never break the page: every failure falls back to doing nothing.
import type { Telemetry, TelemetryPhase } from '../../../src/signals/telemetry'
import { automationMarkers } from './automation'
import { gapMean, gapSd, recordBehaviour } from './behaviour'
import { win, isForm, type El, type FormEl, type SubmitEvt } from './dom'
import { environment, incognitoHint } from './environment'
import { formHasCredentialField, isCredentialField } from './fields'
import { send } from './send'

const SUBMIT_WAIT_MS = 800
const LOAD_WAIT_MS = 5000
const INCOGNITO_WAIT_MS = 300
const NONCE_ATTRIBUTE = 'data-edgeward-nonce'
const NONCE_TEXT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** This page view's nonce, from our <script> tag (read while it runs), else from any SDK tag. */
function pageNonce(): string | undefined {
  try {
    const doc = win.document
    const el = doc.currentScript?.getAttribute(NONCE_ATTRIBUTE) != null ? doc.currentScript : doc.querySelector(`script[${NONCE_ATTRIBUTE}]`)
    const n = el?.getAttribute(NONCE_ATTRIBUTE) ?? null
    return n !== null && n.length <= 1024 && NONCE_TEXT.test(n) ? n : undefined
  } catch {
    return undefined
  }
}

function start(nonce: string | undefined): void {
  const behaviour = recordBehaviour()
  let incognito: boolean | null = null
  const probe = Promise.race([
    incognitoHint().then((v) => { incognito = v }),
    new Promise<void>((r) => setTimeout(r, INCOGNITO_WAIT_MS)),
  ])
  let hasCredentialFields = false

  const snapshot = (phase: TelemetryPhase): Telemetry => {
    const now = Math.max(0, win.performance.now())
    const markers = automationMarkers()
    if (behaviour.synthetic) markers.push('synthetic_events')
    return {
      v: 1,
      phase,
      credentialFields: hasCredentialFields,
      keyCount: behaviour.keyCount,
      keyIntervalMeanMs: gapMean(behaviour),
      keyIntervalSdMs: gapSd(behaviour),
      pasteCredential: behaviour.paste,
      autofill: behaviour.autofill,
      focusChanges: behaviour.focusChanges,
      visibilityChanges: behaviour.visibilityChanges,
      pointerMoved: behaviour.pointerMoved,
      timeOnPageMs: Math.min(now, 86_400_000),
      timeToSubmitMs: phase === 'submit' ? Math.min(now, 86_400_000) : null,
      webdriver: win.navigator.webdriver === true,
      automationMarkers: markers,
      incognito,
      ...environment(),
      ...(nonce === undefined ? {} : { nonce }),
    }
  }

  // One collect at a time, in order: the submit telemetry must land after the load one.
  let queue: Promise<void> = Promise.resolve()
  const collect = (phase: TelemetryPhase, waitMs: number): Promise<void> =>
    (queue = queue.then(() => probe).then(() => send(snapshot(phase), waitMs)))

  const onLoad = (): void => {
    const inputs = win.document.querySelectorAll('input')
    for (let i = 0; i < inputs.length; i++) if (isCredentialField(inputs[i])) hasCredentialFields = true
    void collect('load', LOAD_WAIT_MS)
  }
  if (win.document.readyState === 'complete') setTimeout(onLoad, 0)
  else win.addEventListener('load', () => setTimeout(onLoad, 0))

  const resubmitting = new WeakSet<FormEl>()
  win.addEventListener('submit', (e: SubmitEvt) => {
    const form = e.target
    if (!isForm(form) || resubmitting.has(form) || !formHasCredentialField(form)) return
    hasCredentialFields = true
    // The page handles the submit itself (SPA): report, but never delay or replace it.
    if (e.defaultPrevented) {
      void collect('submit', SUBMIT_WAIT_MS)
      return
    }
    e.preventDefault()
    let gone = false
    const go = (): void => {
      if (gone) return
      gone = true
      resubmitting.add(form)
      nativeSubmit(form, e.submitter ?? null)
    }
    Promise.race([collect('submit', SUBMIT_WAIT_MS), new Promise<void>((r) => setTimeout(r, SUBMIT_WAIT_MS))]).then(go, go)
  })
}

/** Submits natively, keeping what the clicked button would have contributed. */
function nativeSubmit(form: FormEl, submitter: El | null): void {
  if (submitter !== null) {
    const name = submitter.getAttribute('name')
    if (name !== null && name !== '') {
      const hidden = win.document.createElement('input')
      hidden.type = 'hidden'
      hidden.name = name
      hidden.value = submitter.getAttribute('value') ?? ''
      form.appendChild(hidden)
    }
    for (const [from, to] of [['formaction', 'action'], ['formmethod', 'method'], ['formenctype', 'enctype'], ['formtarget', 'target']] as const) {
      const v = submitter.getAttribute(from)
      if (v !== null) form.setAttribute(to, v)
    }
  }
  win.HTMLFormElement.prototype.submit.call(form)
}

if (win.__edgewardSdk === undefined) {
  win.__edgewardSdk = 1
  try {
    start(pageNonce())
  } catch {
    // Never break the page.
  }
}
