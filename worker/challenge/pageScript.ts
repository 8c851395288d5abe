// The inline scripts of the challenge page (sent with the page's CSP nonce): the proof-of-work
// search and the Turnstile callbacks. Both read only the page's own form and post it to
// verify; they never read the URL, never write HTML, and fail with a plain status message.

/**
 * Finds the first decimal counter n with SHA-256(challenge + n) starting with `difficulty` zero
 * bits — the check src/action/pow.ts makes — hashing 256 at a time, then submits the form.
 */
export const POW_SCRIPT = `(function () {
  var form = document.getElementById('ew-form');
  var status = document.getElementById('ew-status');
  function say(text) { status.textContent = text; }
  var challenge = form.getAttribute('data-challenge');
  var difficulty = Number(form.getAttribute('data-difficulty'));
  if (!window.crypto || !crypto.subtle || !window.TextEncoder || !window.Promise) {
    say('This browser cannot run the check. Please try another browser.');
    return;
  }
  var encoder = new TextEncoder();
  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      return bits + Math.clz32(bytes[i]) - 24;
    }
    return bits;
  }
  var BATCH = 256;
  var next = 0;
  var reported = Date.now();
  function round() {
    var batch = [];
    for (var i = 0; i < BATCH; i++) batch.push(crypto.subtle.digest('SHA-256', encoder.encode(challenge + (next + i))));
    Promise.all(batch).then(function (digests) {
      for (var i = 0; i < digests.length; i++) {
        if (zeroBits(new Uint8Array(digests[i])) >= difficulty) return done(String(next + i));
      }
      next += BATCH;
      if (Date.now() - reported > 4000) { reported = Date.now(); say('Still checking your browser… thank you for waiting.'); }
      round();
    }, function () { say('The check could not run. Please reload the page.'); });
  }
  function done(solution) {
    form.elements.namedItem('solution').value = solution;
    say('Done. Taking you back to the page you asked for…');
    form.submit();
  }
  say('Checking your browser… this takes a few seconds.');
  round();
})();`

/** Turnstile calls these by name (data-callback / data-error-callback on the widget). */
export const TURNSTILE_CALLBACKS = `(function () {
  var form = document.getElementById('ew-form');
  var status = document.getElementById('ew-status');
  status.textContent = 'Checking your browser…';
  window.edgewardTurnstileDone = function () {
    status.textContent = 'Done. Taking you back to the page you asked for…';
    form.submit();
  };
  window.edgewardTurnstileError = function () {
    status.textContent = 'The check could not finish. Please reload the page.';
    return true;
  };
})();`
