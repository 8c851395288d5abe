// Client addresses: hands out unique 127.x.y.z source addresses (Linux routes all of 127/8 to
// lo, so a socket can bind any of them), each in a /24 of its own, as households and botnet members are;
// or a few addresses in one /24 (a campus's NAT pool).
import type { Random } from './random'

export interface IpPool {
  /** A fresh address in a /24 of its own (households, botnet members). */
  spread(): string
  /** `k` fresh addresses in one fresh /24 (a campus or a carrier's NAT pool). */
  block(k: number): string[]
  readonly size: number
}

/** 127.0.0.0/16 is left alone: tools and the launcher's own health checks come from 127.0.0.1. */
const MIN_SECOND_OCTET = 1

export function ipPool(rng: Random): IpPool {
  const used = new Set<string>()
  const usedPrefixes = new Set<string>()

  const freshPrefix = (): string => {
    for (;;) {
      const p = `127.${rng.int(MIN_SECOND_OCTET, 254)}.${rng.int(0, 255)}`
      if (!usedPrefixes.has(p)) {
        usedPrefixes.add(p)
        return p
      }
    }
  }
  const take = (prefix: string): string | null => {
    for (let tries = 0; tries < 64; tries++) {
      const ip = `${prefix}.${rng.int(2, 254)}`
      if (!used.has(ip)) {
        used.add(ip)
        return ip
      }
    }
    return null
  }

  return {
    spread: () => {
      for (;;) {
        const ip = take(freshPrefix())
        if (ip !== null) return ip
      }
    },
    block: (k) => {
      for (;;) {
        const prefix = freshPrefix()
        const out: string[] = []
        for (let i = 0; i < k; i++) {
          const ip = take(prefix)
          if (ip !== null) out.push(ip)
        }
        if (out.length === k) return out
      }
    },
    get size() {
      return used.size
    },
  }
}
