// Every family runner, keyed by family name (src/cli/simulate/catalog.ts lists them and says what
// each is). Adding a family: a runner file here, a line below, an entry in the catalog.
import type { Family } from '../catalog'
import { adaptiveSingle, adaptiveSpread } from './adaptive'
import { automatedBrowserStealth, automatedBrowserWebdriver } from './automatedBrowser'
import { benignAutomation } from './benignAutomation'
import { bulkSignup } from './bulkSignup'
import { carding } from './carding'
import { crawlersSpoofed, crawlersVerified } from './crawlers'
import { cartHoarding } from './cartHoarding'
import { distributed } from './distributed'
import { humanBrowser } from './humanBrowser'
import { humanHttp } from './humanHttp'
import { manualAto } from './manualAto'
import { passwordSpray } from './passwordSpray'
import { scraping } from './scraping'
import { sessionReplay } from './sessionReplay'
import { signupSpam } from './signupSpam'
import type { FamilySpec } from './spec'
import { stuffing } from './stuffing'

export const FAMILY_SPECS: Readonly<Record<Family, FamilySpec>> = {
  human_browser: humanBrowser,
  human_http: humanHttp,
  credential_stuffing: stuffing,
  distributed_stuffing: distributed,
  manual_ato: manualAto,
  carding,
  signup_spam: signupSpam,
  scraping,
  cart_hoarding: cartHoarding,
  automated_browser_webdriver: automatedBrowserWebdriver,
  automated_browser_stealth: automatedBrowserStealth,
  benign_automation: benignAutomation,
  adaptive_single: adaptiveSingle,
  adaptive_spread: adaptiveSpread,
  password_spray: passwordSpray,
  bulk_signup: bulkSignup,
  session_replay: sessionReplay,
  crawlers_verified: crawlersVerified,
  crawlers_spoofed: crawlersSpoofed,
}
