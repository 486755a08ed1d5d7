// The loop Lambda's Node.js runtime runs around a handler, reduced to
// what make bench needs: ask the Runtime API for the next invocation,
// call the handler with the event and a context, post the result or the
// error. HTTP keep-alive, as the managed runtime's client has it.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const base = '/2018-06-01/runtime/invocation';

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: base + path, method, agent, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function start(handler) {
  for (;;) {
    const next = await request('GET', '/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
    const context = {
      awsRequestId: id,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    try {
      const result = await handler(JSON.parse(next.body), context);
      await request('POST', `/${id}/response`, JSON.stringify(result ?? null));
    } catch (err) {
      await request('POST', `/${id}/error`, JSON.stringify({ errorType: err?.name, errorMessage: String(err?.message ?? err) }));
    }
  }
}
