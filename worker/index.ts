export default { async fetch(req: Request) { return new Response('hi ' + new URL(req.url).pathname) } }
