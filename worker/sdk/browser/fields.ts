// Credential fields: takes a DOM element, says whether it is a username / email / password
// input. Never reads or keeps the field's value beyond its length.
import { isInput, type FormEl, type InputEl } from './dom'

const SKIP_TYPES = new Set(['hidden', 'submit', 'button', 'checkbox', 'radio', 'file', 'image', 'reset', 'range', 'color'])
const AUTOCOMPLETE = /\b(username|email|current-password|new-password|one-time-code)\b/
const NAMES = /user|e-?mail|login|pass|account|signin|logon/i

export function isCredentialField(x: unknown): x is InputEl {
  if (!isInput(x)) return false
  const type = (x.type || 'text').toLowerCase()
  if (SKIP_TYPES.has(type)) return false
  if (type === 'password' || type === 'email') return true
  return AUTOCOMPLETE.test(x.autocomplete || '') || NAMES.test(x.name || '') || NAMES.test(x.id || '')
}

export function formHasCredentialField(form: FormEl): boolean {
  const inputs = form.querySelectorAll('input')
  for (let i = 0; i < inputs.length; i++) if (isCredentialField(inputs[i])) return true
  return false
}
