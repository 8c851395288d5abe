// Renders an SVG file to PNG with Debian's Chromium (playwright-core), so a person or a test can
// look at the report without an SVG viewer. Takes SVG text and a path; writes the PNG.
import { createRequire } from 'node:module'
import { CHROMIUM_PATH } from '../simulate/chromium'

export async function svgToPng(svg: string, out: string): Promise<void> {
  const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core')
  const size = /width="(\d+)" height="(\d+)"/.exec(svg)
  const width = Number(size?.[1] ?? 1000)
  const height = Number(size?.[2] ?? 800)
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless=new', '--no-sandbox', '--disable-gpu'] })
  try {
    const page = await browser.newPage({ viewport: { width, height } })
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`)
    await page.screenshot({ path: out, clip: { x: 0, y: 0, width, height } })
  } finally {
    await browser.close()
  }
}
