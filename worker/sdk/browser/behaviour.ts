// Behaviour recorder: listens to keys, paste, autofill, focus, visibility and pointer events
// and keeps only counts and timing statistics — never a key, never a field value.
import { win, type AnimEvt, type Evt, type InputEvt, type KeyEvt } from './dom'
import { isCredentialField } from './fields'

/** Gaps longer than this are pauses (switching fields, thinking), not typing rhythm. */
const MAX_GAP_MS = 5000
const AUTOFILL_ANIMATION = 'edgewardAutofillStart'

export interface Behaviour {
  keyCount: number
  gaps: number
  gapMean: number
  gapM2: number
  paste: boolean
  autofill: boolean
  focusChanges: number
  visibilityChanges: number
  pointerMoved: boolean
  synthetic: boolean
}

export function recordBehaviour(): Behaviour {
  const b: Behaviour = { keyCount: 0, gaps: 0, gapMean: 0, gapM2: 0, paste: false, autofill: false, focusChanges: 0, visibilityChanges: 0, pointerMoved: false, synthetic: false }
  const doc = win.document
  let lastField: unknown = null
  let lastKeyAt = 0
  let keySinceInput = false
  const opts = { capture: true, passive: true }

  doc.addEventListener('keydown', (e: KeyEvt) => {
    if (!isCredentialField(e.target)) return
    if (!e.isTrusted) b.synthetic = true
    keySinceInput = true
    if (e.repeat || e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return
    b.keyCount++
    if (lastField === e.target) {
      const gap = e.timeStamp - lastKeyAt
      if (gap >= 0 && gap <= MAX_GAP_MS) {
        // Welford: running mean and variance, no list of timings kept.
        b.gaps++
        const d = gap - b.gapMean
        b.gapMean += d / b.gaps
        b.gapM2 += d * (gap - b.gapMean)
      }
    }
    lastField = e.target
    lastKeyAt = e.timeStamp
  }, opts)

  doc.addEventListener('paste', (e: Evt) => {
    if (isCredentialField(e.target)) b.paste = true
  }, opts)

  doc.addEventListener('input', (e: InputEvt) => {
    if (!isCredentialField(e.target)) return
    // A value that changes with no key pressed, or a browser replacement, is autofill.
    if (e.inputType === 'insertReplacementText' || (!keySinceInput && e.inputType !== 'insertFromPaste' && e.target.value.length > 1)) b.autofill = true
    keySinceInput = false
  }, opts)

  doc.addEventListener('animationstart', (e: AnimEvt) => {
    if (e.animationName === AUTOFILL_ANIMATION && isCredentialField(e.target)) b.autofill = true
  }, opts)

  const pointer = (e: Evt): void => {
    if (!e.isTrusted) b.synthetic = true
    else b.pointerMoved = true
  }
  for (const t of ['pointermove', 'mousemove', 'touchmove', 'touchstart']) doc.addEventListener(t, pointer, opts)
  win.addEventListener('focus', () => b.focusChanges++)
  win.addEventListener('blur', () => b.focusChanges++)
  doc.addEventListener('visibilitychange', () => b.visibilityChanges++)

  try {
    const style = doc.createElement('style')
    const rule = (sel: string): string => `${sel}{animation-name:${AUTOFILL_ANIMATION};animation-duration:1ms}`
    style.textContent = `@keyframes ${AUTOFILL_ANIMATION}{from{opacity:1}to{opacity:1}}${rule('input:-webkit-autofill')}${rule('input:autofill')}`
    doc.head?.appendChild(style)
  } catch {
    // A strict CSP may refuse inline styles; the input-event heuristic still works.
  }
  return b
}

export const gapSd = (b: Behaviour): number | null => (b.gaps >= 2 ? Math.sqrt(b.gapM2 / (b.gaps - 1)) : null)
export const gapMean = (b: Behaviour): number | null => (b.gaps >= 1 ? b.gapMean : null)
