// A `state move` whose process dies right before the request `CRASH_BEFORE` names (e.g. DeleteObjectCommand of
// the source): every request from then on fails and the process exits, so its locks stay behind, as after a
// kill. Run with the scenario's environment: tsx crashing-move.ts <from key> <to key> <request name>
import { loadConfig } from '../../config/load';
import { moveState } from '../../ops/keys';
import type { StateClients } from '../../ops/operation';
import { awsClients } from '../../scripts/lib/aws';

type Request = { constructor: { name: string }; input: unknown };

function crashingAt(clients: StateClients, crashes: (request: Request) => boolean): StateClients {
  const wrap = <T extends object>(client: T): T =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (request: Request) => {
          if (crashes(request)) {
            console.log(`crashed before ${request.constructor.name}`);
            process.exit(3);
          }
          return (target as unknown as { send: (r: Request) => Promise<unknown> }).send(request);
        };
      },
    });
  return { s3: wrap(clients.s3), dynamodb: wrap(clients.dynamodb) };
}

const [from, to, crashBefore] = process.argv.slice(2);
const config = loadConfig();
const clients = crashingAt(
  awsClients(config.region, config.endpoint),
  (request) => request.constructor.name === crashBefore && (request.input as { Key?: string }).Key === from,
);
moveState(clients, config, from, to, config.bucket, (line) => console.log(line)).then(() =>
  console.log('finished without crashing'),
);
