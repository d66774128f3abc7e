// Preloaded into the console's server process (node --import): every request gets an
// `x-dsp-peer` header naming the TCP peer it came from, replacing any such header the client
// sent. Next's route handlers cannot see the socket; this is how sign-in throttling learns who is
// really connected, and so whether `X-Forwarded-For` comes from a trusted proxy.
import http from 'node:http';

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, ...rest) {
  if (event === 'request' && req?.headers) req.headers['x-dsp-peer'] = req.socket?.remoteAddress ?? '';
  return emit.call(this, event, req, ...rest);
};
