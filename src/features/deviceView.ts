// The model's view of a new device: takes the observed feature vector, the header signals, the
// cookie state, the device standing, the route and `now`; returns the vector the model also sees
// when a not-yet-established device posts to a credential route — the no-cookie case (see
// docs/identity.md) — or null when the observed vector is the only view. Pure; copies, never
// mutates the observed vector (the log line keeps what was measured).
//
// Why: a device cookie costs one POST to mint, and the telemetry in it is whatever that POST said.
// A person without JavaScript has no cookie and is allowed, so "no cookie" is a case the model
// already scores without friction; a cookie minted moments before a login must not score better
// than that. The caller takes the higher of the two scores: behaviour may raise risk (webdriver,
// automation markers), but perfectly human telemetry cannot, on its own, lower it below the
// no-device case. The journey slots are the no-cookie case's too: the client is the address (a
// fresh device id would otherwise restart every device_* count with each minted cookie).
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
  fillEnvironmental(vec, input.signals, input.cookie, input.now, { asNoDevice: true })
  fillBehavioral(vec, input.cookie, input.now, { asNoDevice: true })
  const j = input.journey
  // Without a device the journey's "client" is the IP (clientOf); a device read that missed stays missing.
  if (j.status === 'ok' && !j.counters.missing.some((m) => m.kind === 'device')) fillJourney(vec, { ...j, counters: { ...j.counters, device: null } })
  return vec
}
