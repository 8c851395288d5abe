// freePort: asks the OS for a free TCP port on 127.0.0.1 (listen on 0, read it, close).
// For the local tools that start servers (load, simulate, e2e tests).
import { createServer } from 'node:net'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      s.close(() => resolve(port))
    })
  })
}
