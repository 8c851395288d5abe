// Rows SQLite wrote while `body` ran inside a Durable Object, summed from every statement's cursor
// (SqlStorageCursor.rowsWritten): rows written are what SQLite-backed objects bill (docs/performance.md).
import { runInDurableObject } from 'cloudflare:test'

type Cursor = SqlStorageCursor<Record<string, SqlStorageValue>>

export function rowsWritten<T extends Rpc.DurableObjectBranded>(stub: DurableObjectStub<T>, body: (obj: T) => void): Promise<number> {
  return runInDurableObject(stub, (obj: T, state) => {
    const cursors: Cursor[] = []
    const proto = Object.getPrototypeOf(state.storage.sql) as { exec: (...a: unknown[]) => Cursor }
    const exec = proto.exec
    proto.exec = function (this: unknown, ...a: unknown[]) {
      const c = exec.apply(this, a)
      cursors.push(c)
      return c
    }
    try {
      body(obj)
    } finally {
      proto.exec = exec
    }
    return cursors.reduce((n, c) => n + c.rowsWritten, 0)
  })
}
