// Which crawlers a verification source can verify: takes a `verified_crawlers` source (its name,
// and optionally the product tokens the operator bound to it) and a claimed token; says whether
// that source vouches for that token. Pure. A claim is a spoof only when some source could have
// verified it (docs/crawlers.md): Google's ranges say nothing about Google-Read-Aloud or GPTBot.

/**
 * The product tokens each well-known published range covers, by the source names we ship or document,
 * from each vendor's own documentation of which crawlers that file lists. Matched case-insensitively
 * against the token around the User-Agent match (`Googlebot-Image`, `bingbot`).
 */
export const SOURCE_TOKENS: Readonly<Record<string, readonly string[]>> = {
  // developers.google.com/…/googlebot.json: Google's common crawlers.
  googlebot: ['Googlebot', 'Googlebot-Image', 'Googlebot-News', 'Googlebot-Video', 'Googlebot-Mobile', 'Storebot-Google', 'Google-InspectionTool', 'GoogleOther', 'GoogleOther-Image', 'GoogleOther-Video', 'Google-CloudVertexBot'],
  // …/special-crawlers.json: Google's special-case crawlers.
  'google-special': ['APIs-Google', 'AdsBot-Google', 'AdsBot-Google-Mobile', 'Mediapartners-Google', 'Google-Safety'],
  // …/user-triggered-fetchers.json and user-triggered-fetchers-google.json: fetches a person asked for.
  'google-user-triggered': ['Feedfetcher-Google', 'GoogleProducer', 'Google-Read-Aloud', 'Google-Site-Verification', 'Google-NotebookLM', 'Google-Pinpoint', 'Google-CWS'],
  // www.bing.com/toolbox/bingbot.json
  bingbot: ['bingbot', 'adidxbot', 'MicrosoftPreview'],
  // openai.com/gptbot.json, searchbot.json, chatgpt-user.json
  gptbot: ['GPTBot'],
  'oai-searchbot': ['OAI-SearchBot'],
  'chatgpt-user': ['ChatGPT-User'],
  // perplexity.com/perplexitybot.json, perplexity-user.json
  perplexitybot: ['PerplexityBot'],
  'perplexity-user': ['Perplexity-User'],
}

export interface TokenSource {
  readonly name: string
  /** The operator's binding; without it, SOURCE_TOKENS[name] (none for an unknown name). */
  readonly tokens?: readonly string[]
}

export function sourceTokens(source: TokenSource): readonly string[] {
  return source.tokens ?? SOURCE_TOKENS[source.name] ?? []
}

export function sourceCovers(source: TokenSource, token: string): boolean {
  const t = token.toLowerCase()
  return sourceTokens(source).some((s) => s.toLowerCase() === t)
}

/** Some configured source could verify this token. */
export const anySourceCovers = (sources: readonly TokenSource[], token: string): boolean => sources.some((s) => sourceCovers(s, token))
