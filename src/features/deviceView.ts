// The model's view of a new device: takes the observed feature vector, the header signals, the
// cookie state, the device standing, the journey read, the route and `now`; returns the vector the
// model also sees when a not-yet-established device posts to a credential route, or null when the
// observed vector is the only view. Pure; copies, never mutates the observed vector.
//
// Why: a device cookie costs one POST to mint, and the telemetry in it is whatever that POST said.
// The caller takes the higher of the two scores, so behaviour may raise risk (webdriver, automation
// markers) but a fresh identity cannot lower it. The journey is always the address's (a device id
// minted per attempt would otherwise restart every device_* count). An unproven device (no valid
// SDK nonce) is moreover shown exactly as the no-cookie case: cookie_missing, no age, no SDK
// telemetry. A proven one keeps its cookie and telemetry: the SDK ran on a page we served to this
// client, and a real browser's first sign-in always comes moments after its first page — scoring it
// as cookie-less with a full browser header set is a combination the model never saw in training
// (a cookie-less login with desktop Chrome's header set scores 0.98–0.999 in the workerd tests).
import type { JourneyRead } from '../counters/read'
import { CREDENTIAL_CLASSES, type RouteClass } from '../config/routeClasses'
import type { DeviceCookieState } from '../signals/deviceClaims'
import type { DeviceStanding } from '../signals/deviceStanding'
import type { HeaderSignals } from '../signals/headers'
import { fillBehavioral } from './behavioral'
import { fillEnvironmental } from './environmental'
import { fillJourney } from './journey'
import type { FeatureVector } from './list'

/** A credential attempt (login / signup / password reset POST) from a device that is not established. */
export function showsAsNoDevice(routeClass: RouteClass, method: string, standing: DeviceStanding): boolean {
  return standing.present && !standing.established && method.toUpperCase() === 'POST' && CREDENTIAL_CLASSES.has(routeClass)
}

export interface DeviceViewInput {
  readonly observed: FeatureVector
  readonly signals: HeaderSignals
  readonly cookie: DeviceCookieState
  readonly standing: DeviceStanding
  readonly journey: JourneyRead
  readonly routeClass: RouteClass
  readonly method: string
  /** Epoch milliseconds. */
  readonly now: number
}

export function noDeviceView(input: DeviceViewInput): FeatureVector | null {
  if (!showsAsNoDevice(input.routeClass, input.method, input.standing)) return null
  const vec = input.observed.slice()
  // An unproven device (minted without a page's nonce) is no device at all: its cookie and telemetry
  // are whatever one POST said. A proven one (the SDK ran on a page we served, to this client) keeps
  // them — a real browser's cookie is always moments old at its first sign-in, and scoring that
  // browser as cookie-less with a full browser header set is a combination the model never saw —
  // but its journey is still the address's, so minting a device per attempt restarts no count.
  if (input.standing.unproven !== false) {
    fillEnvironmental(vec, input.signals, input.cookie, input.now, { asNoDevice: true })
    fillBehavioral(vec, input.cookie, input.now, { asNoDevice: true })
  }
  const j = input.journey
  // Without a device the journey's "client" is the IP (clientOf); a device read that missed stays missing.
  if (j.status === 'ok' && !j.counters.missing.some((m) => m.kind === 'device')) fillJourney(vec, { ...j, counters: { ...j.counters, device: null } })
  return vec
}
