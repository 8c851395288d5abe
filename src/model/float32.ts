// shortestFloat32: any number → the shortest decimal that reads back as the same float32, as a
// number (so JSON.stringify prints "0.55", not "0.550000011920929"). Pure; for writing model files.

export function shortestFloat32(x: number): number {
  const f = Math.fround(x)
  if (f === 0 || !Number.isFinite(f)) return f === 0 ? 0 : f
  for (let p = 1; p <= 9; p++) {
    const c = Number(f.toPrecision(p))
    if (Math.fround(c) === f) return c
  }
  return f
}
