'use strict';
/**
 * The console's settings, read once from the environment (the console's one config module):
 * RUNNEL_CONSOLE_PORT (default 3000), RUNNEL_CONSOLE_HOST (default RUNNEL_HOST, else 0.0.0.0) and
 * RUNNEL_BROKER_URL (default http://127.0.0.1:8080, the broker `npm start` runs beside it).
 */
function consoleConfig(env) {
  const portText = env.RUNNEL_CONSOLE_PORT ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`RUNNEL_CONSOLE_PORT must be a TCP port (0-65535), got '${portText}'`);
  const brokerUrl = (env.RUNNEL_BROKER_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  let parsed;
  try {
    parsed = new URL(brokerUrl);
  } catch {
    throw new Error(`RUNNEL_BROKER_URL must be an http(s) URL, got '${brokerUrl}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error(`RUNNEL_BROKER_URL must be http or https, got '${brokerUrl}'`);
  return { port, host: env.RUNNEL_CONSOLE_HOST ?? env.RUNNEL_HOST ?? '0.0.0.0', brokerUrl };
}

module.exports = { consoleConfig };
