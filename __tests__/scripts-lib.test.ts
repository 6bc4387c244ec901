import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import type { ObjectVersion } from '../ops/bucket';
import { deployArguments } from '../scripts/deploy';
import { awsClients } from '../scripts/lib/aws';
import { cdktfArgs, cdktfBin } from '../scripts/lib/cdktf';
import {
  completedStacks,
  explainFailure,
  firstError,
  lockHeld,
  missingBucket,
  reportsNoChanges,
} from '../scripts/lib/diagnose';
import { troubleLog } from '../scripts/lib/emulator';
import { stripAnsi } from '../scripts/lib/run';
import {
  AWS_PROVIDER_PATH,
  findProviderMirror,
  mirrorCandidates,
  renderCliConfig,
  withoutSettings,
} from '../scripts/lib/terraform-config';
import { accountRefusal, teardownPlan, teardownRefusal } from '../scripts/teardown';
import { configFrom } from './helpers';

const LOCK_ERROR = `
│ Error: Error acquiring the state lock
│
│ Error message: operation error DynamoDB: PutItem, https response error StatusCode: 400, ConditionalCheckFailedException
│ Lock Info:
│   ID:        6b1c2d3e-0000-4000-8000-00000000e2e0
│   Path:      tfstate-x/app/terraform.tfstate
│   Operation: OperationTypeApply
│   Who:       holder@e2e-test
│   Version:   1.11.4
│   Created:   2026-01-01 00:00:00 +0000 UTC
│   Info:
`;

/** Terraform 1.11.4 refused a second run on a local state while an apply held it (real output). */
const LOCAL_LOCK_ERROR = `
Error: Error acquiring the state lock

Error message: resource temporarily unavailable
Lock Info:
  ID:        dd0ecea8-739b-58a9-a114-805e9f771e00
  Path:      terraform.bootstrap.tfstate
  Operation: OperationTypeApply
  Who:       root@vm
  Version:   1.11.4
  Created:   2026-12-03 09:43:08.238626012 +0000 UTC
  Info:      


Terraform acquires a state lock to protect the state from being written
by multiple users at the same time. Please resolve the issue above and try
again. For most commands, you can disable locking with the "-lock=false"
flag, but this is not recommended.
`;

describe('provider mirror discovery', () => {
  const tree =
    (...folders: string[]) =>
    (path: string) =>
      folders.some((folder) => path === join(folder, AWS_PROVIDER_PATH));

  test('takes the first candidate that holds the AWS provider', () => {
    expect(findProviderMirror({}, ['/a', '/b', '/c'], tree('/b', '/c'))).toEqual({ path: '/b', origin: 'discovered' });
  });
  test('none found: undefined (Terraform downloads the provider)', () => {
    expect(findProviderMirror({}, ['/a'], tree())).toBeUndefined();
  });
  test('TFSTATE_PROVIDER_MIRROR wins, and must hold the provider', () => {
    expect(findProviderMirror({ TFSTATE_PROVIDER_MIRROR: '/mine' }, ['/b'], tree('/mine', '/b'))).toEqual({
      path: '/mine',
      origin: 'env',
    });
    expect(() => findProviderMirror({ TFSTATE_PROVIDER_MIRROR: '/empty' }, ['/b'], tree('/b'))).toThrow(
      /^TFSTATE_PROVIDER_MIRROR="\/empty": holds no registry.terraform.io\/hashicorp\/aws\/\d+\.\d+\.\d+ \(/,
    );
  });
  test('candidates: the documented folders, XDG_DATA_HOME honoured, never a hard-coded home', () => {
    expect(mirrorCandidates({ XDG_DATA_HOME: '/xdg' }, '/home/u')).toEqual([
      '/opt/tf-plugins',
      '/home/u/.terraform.d/plugins',
      '/xdg/terraform/plugins',
      '/usr/local/share/terraform/plugins',
      '/usr/share/terraform/plugins',
    ]);
    expect(mirrorCandidates({}, '/home/u')).toContain('/home/u/.local/share/terraform/plugins');
  });
  test('the CLI config installs hashicorp providers from the mirror only, everything else directly', () => {
    expect(renderCliConfig('/m "x"')).toBe(
      [
        'provider_installation {',
        '  filesystem_mirror {',
        '    path    = "/m \\"x\\""',
        '    include = ["registry.terraform.io/hashicorp/*"]',
        '  }',
        '  direct {',
        '    exclude = ["registry.terraform.io/hashicorp/*"]',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('reading terraform output', () => {
  test('a held lock yields the holder', () => {
    expect(lockHeld(LOCK_ERROR)).toEqual({
      id: '6b1c2d3e-0000-4000-8000-00000000e2e0',
      path: 'tfstate-x/app/terraform.tfstate',
      operation: 'OperationTypeApply',
      who: 'holder@e2e-test',
      created: '2026-01-01 00:00:00 +0000 UTC',
      fileLock: false,
    });
    expect(lockHeld('Error: something else\n  ID: 1')).toBeUndefined();
  });
  test('a missing bucket is recognised in both forms Terraform prints', () => {
    expect(missingBucket('Error: Failed to get existing workspaces: S3 bucket "b-1" does not exist.', 'fallback')).toBe(
      'b-1',
    );
    expect(missingBucket('api error NoSuchBucket: The specified bucket does not exist', 'fallback')).toBe('fallback');
    expect(missingBucket('Error: AccessDenied', 'fallback')).toBeUndefined();
  });
  test('no changes, first error, ANSI colours', () => {
    expect(
      reportsNoChanges(stripAnsi('app  \u001b[32mNo changes.\u001b[0m Your infrastructure matches the configuration.')),
    ).toBe(true);
    expect(reportsNoChanges('Plan: 1 to add, 0 to change, 0 to destroy.')).toBe(false);
    expect(firstError('x\n│ Error: Invalid provider configuration\n│ Error: second')).toBe(
      'Invalid provider configuration',
    );
  });
  test('failures become one line that says what to do', () => {
    const result = (output: string) => ({ code: 1, output, timedOut: false, seconds: 3 });
    expect(explainFailure('cdktf deploy app', result('S3 bucket "b" does not exist.'), 'b')).toMatch(
      /^cdktf deploy app: state bucket "b" does not exist: deploy the bootstrap stack first/,
    );
    expect(explainFailure('cdktf deploy app', result(LOCK_ERROR), 'b')).toMatch(
      /locked by holder@e2e-test \(OperationTypeApply, lock ID 6b1c2d3e/,
    );
    expect(
      explainFailure('cdktf deploy app', result('Error: Failed to query available provider packages'), 'b'),
    ).toMatch(/set TFSTATE_PROVIDER_MIRROR/);
    expect(explainFailure('x', { ...result(''), timedOut: true }, 'b')).toBe('x: timed out after 3 s');
    expect(explainFailure('cdktf deploy bootstrap', result(LOCAL_LOCK_ERROR), 'b')).toBe(
      'cdktf deploy bootstrap: the state is locked by root@vm (OperationTypeApply, lock ID dd0ecea8-739b-58a9-a114-805e9f771e00, since 2026-12-03 09:43:08.238626012 +0000 UTC): a lock on the local state file terraform.bootstrap.tfstate, which the operating system releases when that process exits; wait for that run to end, there is nothing to unlock by hand',
    );
    expect(explainFailure('cdktf deploy app', result(LOCK_ERROR), 'b')).toMatch(
      /; wait for it, or terraform force-unlock <ID> if that run is dead$/,
    );
    expect(explainFailure('x', result('Error: boom\nmore'), 'b')).toBe('x: failed (exit 1): boom');
  });
  test("an isolated run sees none of the caller's settings", () => {
    expect(
      withoutSettings({
        PATH: '/bin',
        TFSTATE_BUCKET: 'b',
        TFSTATE_PROVIDER_MIRROR: '/m',
        AWS_ENDPOINT_URL: 'http://x',
        AWS_REGION: 'eu-west-1',
      }),
    ).toEqual({ PATH: '/bin', AWS_REGION: 'eu-west-1' });
  });
  test("the CLI is the project's own, under cdktf's name or CDK Terrain's", () => {
    const project = mkdtempSync(join(tmpdir(), 'tfstate-bin-'));
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    expect(cdktfBin(project)).toBe(join(project, 'node_modules/.bin/cdktf'));
    writeFileSync(join(project, 'node_modules/.bin/cdktn'), '');
    expect(cdktfBin(project)).toBe(join(project, 'node_modules/.bin/cdktn'));
  });
  test('cdktf runs never prompt and never lock providers', () => {
    expect(cdktfArgs('destroy', ['app', 'app-dev'])).toEqual([
      'destroy',
      'app',
      'app-dev',
      '--auto-approve',
      '--skip-provider-lock',
    ]);
  });
});

describe('teardown confirmation', () => {
  const config = configFrom({ TFSTATE_BUCKET: 'my-state', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' });
  const realAws = configFrom({ TFSTATE_BUCKET: 'my-state' });
  test('refused without the flag or the bucket name', () => {
    expect(teardownRefusal(config, [], {})).toBe(
      'refusing to destroy state bucket "my-state" and every state in it without confirmation: pass --yes-destroy-state or set TFSTATE_CONFIRM_TEARDOWN=my-state',
    );
  });
  test('refused when the confirmation names another bucket, even with the flag', () => {
    expect(teardownRefusal(config, ['--yes-destroy-state'], { TFSTATE_CONFIRM_TEARDOWN: 'other' })).toMatch(
      /does not name the configured state bucket "my-state"/,
    );
    expect(teardownRefusal(realAws, [], { TFSTATE_CONFIRM_TEARDOWN: 'other@111122223333' })).toMatch(
      /does not name the configured state bucket "my-state"/,
    );
  });
  test('on an emulator, accepted with either confirmation', () => {
    expect(teardownRefusal(config, ['--yes-destroy-state'], {})).toBeUndefined();
    expect(teardownRefusal(config, [], { TFSTATE_CONFIRM_TEARDOWN: 'my-state' })).toBeUndefined();
  });
  test('against real AWS, neither the flag nor the bucket alone is enough: the account must be named', () => {
    const message =
      'refusing to destroy state bucket "my-state" in a real AWS account (no AWS_ENDPOINT_URL) without naming the account too: set TFSTATE_CONFIRM_TEARDOWN=my-state@<account id>';
    expect(teardownRefusal(realAws, ['--yes-destroy-state'], {})).toBe(message);
    expect(teardownRefusal(realAws, [], { TFSTATE_CONFIRM_TEARDOWN: 'my-state' })).toBe(message);
    expect(teardownRefusal(realAws, [], { TFSTATE_CONFIRM_TEARDOWN: 'my-state@111122223333' })).toBeUndefined();
  });
  test('the named account must be the one the credentials act in', () => {
    expect(accountRefusal({ TFSTATE_CONFIRM_TEARDOWN: 'my-state@111122223333' }, '444455556666')).toBe(
      'TFSTATE_CONFIRM_TEARDOWN="my-state@111122223333": names account "111122223333", but the credentials act in account 444455556666; nothing was destroyed',
    );
    expect(accountRefusal({ TFSTATE_CONFIRM_TEARDOWN: 'my-state@111122223333' }, '111122223333')).toBeUndefined();
  });
  test('refused while bootstrap state lives in the bucket it would empty', () => {
    expect(
      teardownRefusal(
        configFrom({
          TFSTATE_BUCKET: 'my-state',
          TFSTATE_BOOTSTRAP_BACKEND: 's3',
          AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
        }),
        ['--yes-destroy-state'],
        {},
      ),
    ).toMatch(/move it back first/);
  });
});

describe('teardown plan', () => {
  const config = configFrom({ TFSTATE_BUCKET: 'my-state', TFSTATE_ENVIRONMENTS: 'dev', TFSTATE_LOCKING: 'both' });
  const version = (key: string, deleteMarker = false): ObjectVersion => ({
    key,
    versionId: 'v',
    deleteMarker,
    lastModified: new Date(0),
    size: 1,
    isLatest: false,
  });
  const versions = [
    version('app/terraform.tfstate'),
    version('app/terraform.tfstate'),
    version('app/terraform.tfstate.tflock', true),
    version('env/dev/terraform.tfstate'),
    version('network/terraform.tfstate'),
    version('kops/cluster.example.com/config'),
    version('kops/cluster.example.com/config'),
    version('README'),
  ];
  test('every key, grouped by its first folder, with its version count; foreign keys marked', () => {
    expect(teardownPlan(config, versions).lines).toEqual([
      's3://my-state: 6 key(s), 8 version(s) and delete marker(s) to delete',
      '  (top level) (1 key(s))',
      '    README  1 version(s)  [not written by this project]',
      '  app/ (2 key(s))',
      '    app/terraform.tfstate  2 version(s)',
      '    app/terraform.tfstate.tflock  1 version(s)',
      '  env/ (1 key(s))',
      '    env/dev/terraform.tfstate  1 version(s)',
      '  kops/ (1 key(s))',
      '    kops/cluster.example.com/config  2 version(s)  [not written by this project]',
      '  network/ (1 key(s))',
      '    network/terraform.tfstate  1 version(s)  [not written by this project]',
    ]);
  });
  test("foreign keys are the consumers' states, the kOps store and anything else not ours", () => {
    expect(teardownPlan(config, versions).foreign).toEqual([
      'README',
      'kops/cluster.example.com/config',
      'network/terraform.tfstate',
    ]);
    expect(teardownPlan(config, versions.slice(0, 4)).foreign).toEqual([]);
  });
});

describe("success is Terraform's own result", () => {
  test('a stack counts as done only with its own "Apply complete!" line', () => {
    const output = [
      'app  aws_vpc.placeholder-vpc: Creating...',
      'app  ',
      '     Apply complete! Resources: 2 added, 0 changed, 0 destroyed.',
      'app-dev  aws_vpc.placeholder-vpc: Creating...',
      '',
    ].join('\n');
    expect([...completedStacks(output, ['app', 'app-dev'], 'deploy')]).toEqual(['app']);
    expect([...completedStacks(output, ['app', 'app-dev'], 'destroy')]).toEqual([]);
    expect([
      ...completedStacks(
        'bootstrap  \n           Destroy complete! Resources: 18 destroyed.',
        ['bootstrap'],
        'destroy',
      ),
    ]).toEqual(['bootstrap']);
  });
});

describe('deploy arguments', () => {
  const config = configFrom({ TFSTATE_ENVIRONMENTS: 'dev' });
  test("a flag's value is passed on with it, never taken for a stack", () => {
    expect(deployArguments(config, ['app', 'app-dev', '--parallelism', '1', '--migrate-state'])).toEqual({
      stacks: ['app', 'app-dev'],
      flags: ['--parallelism', '1', '--migrate-state'],
    });
  });
  test('an unknown stack is one line', () => {
    expect(() => deployArguments(config, ['1'])).toThrow(
      'stack "1": not a stack of this project (one of bootstrap, app, app-dev); usage: npm run deploy -- <stack>... [cdktf deploy flags], e.g. npm run deploy -- app --parallelism 1',
    );
    expect(() => deployArguments(config, ['--parallelism', '1'])).toThrow(/^name the stacks to deploy before any flag/);
  });
  // cdktf deploys every stack named anywhere on its line; one named after a flag escaped the completion check.
  test.each([
    [['app', '--parallelism', '1', 'bootstrap'], '"bootstrap" after the flag --parallelism'],
    [['app', '--migrate-state', 'app-*'], '"app-*" after the flag --migrate-state'],
    [['app', '--', 'app-dev'], '"--" after the flag --'],
    // Not a stack of this project: cdktf would exit 1 with its own usage error.
    [['app', '--parallelism', '1', 'app-qa'], '"app-qa" after the flag --parallelism'],
    [['app', '--auto-approve', 'x'], '"x" after the flag --auto-approve'],
    [['app', '--outputs-file=out.json', 'out.json'], '"out.json" after the flag --outputs-file=out.json'],
  ])("a stack, or a bare word that is no flag's value, after a flag is refused: %j", (args, start) => {
    expect(() => deployArguments(config, args)).toThrow(
      `${start}: cdktf would take it for one more stack, unchecked; name every stack before the first flag (a flag's value that looks like one: --flag=<value>); usage:`,
    );
  });
  test("each value-taking flag's value passes", () => {
    const flags = [
      '-a',
      'npx tsx main.ts',
      '--output',
      'out',
      '-o',
      'out',
      '--outputs-file',
      'out.json',
      '--parallelism',
      '1',
      '--terraform-parallelism',
      '2',
      '--var',
      'a=1',
      '--var-file',
      'x.tfvars',
      '--log-level',
      'debug',
      '--log-file-directory',
      'logs',
    ];
    expect(deployArguments(config, ['app', ...flags])).toEqual({ stacks: ['app'], flags });
    expect(deployArguments(config, ['app', '--outputs-file=app'])).toEqual({
      stacks: ['app'],
      flags: ['--outputs-file=app'],
    });
  });
});

describe('bounded waits', () => {
  test('an endpoint that accepts and never answers: one line naming it, after the bounded attempts', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const clients = awsClients('us-east-1', endpoint, {
        connectTimeoutMs: 300,
        requestTimeoutMs: 100,
        maxAttempts: 2,
      });
      await expect(clients.s3.send(new HeadBucketCommand({ Bucket: 'b' }))).rejects.toThrow(
        `S3 endpoint ${endpoint} did not answer (ETIMEDOUT: a request has exceeded the configured 100 ms requestTimeout.; 2 attempt(s), each bounded to 0.1 s): check AWS_ENDPOINT_URL, the network, or whether the service is up`,
      );
      await expect(
        clients.dynamodb.send(new GetItemCommand({ TableName: 't', Key: { LockID: { S: 'x' } } })),
      ).rejects.toThrow(`DynamoDB endpoint ${endpoint} did not answer`);
      expect(sockets.length).toBe(4);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
  test('bulk work: an answer that says "slow down" is tried again after a backoff, silence never (no overlapping batch)', async () => {
    let requests = 0;
    const slowDown =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
    const server = createHttpServer((request, response) => {
      requests += 1;
      request.resume();
      if (request.url?.includes('silent')) return;
      if (requests <= 2) return void response.writeHead(503, { 'content-type': 'application/xml' }).end(slowDown);
      response
        .writeHead(200, { 'content-type': 'application/xml' })
        .end('<?xml version="1.0" encoding="UTF-8"?><DeleteResult></DeleteResult>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const limits = {
      connectTimeoutMs: 300,
      requestTimeoutMs: 100,
      maxAttempts: 1,
      answeredRetries: { times: 4, backoffMs: 10 },
    };
    const deleteOne = (bucket: string) =>
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'k', VersionId: 'v' }], Quiet: true } });
    try {
      const { s3 } = awsClients('us-east-1', endpoint, limits);
      await expect(s3.send(deleteOne('b'))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
      expect(requests).toBe(3);
      requests = 0;
      await expect(s3.send(deleteOne('silent'))).rejects.toThrow(`S3 endpoint ${endpoint} did not answer (ETIMEDOUT`);
      expect(requests).toBe(1);
      requests = 0;
      await expect(
        awsClients('us-east-1', endpoint, { ...limits, answeredRetries: { times: 1, backoffMs: 10 } }).s3.send(
          deleteOne('b'),
        ),
      ).rejects.toMatchObject({ name: 'SlowDown' });
      expect(requests).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("the emulator's trouble log", () => {
  const ok = (n: number) =>
    `127.0.0.1 - - [22/Nov/2026 20:10:0${n % 10}] "PUT /tfstate/app/terraform.tfstate HTTP/1.1" 200 -`;

  test('keeps 5xx answers and tracebacks, drops answers below 500, joins lines split across chunks', () => {
    const log = troubleLog();
    log.add(
      'WARNING: This is a development server. Do not use it in a production deployment. Use a production WSGI server instead.\n * Running on http://127.0.0.1:54777\nPress CTRL+C to quit\n',
    );
    log.add(
      `${ok(1)}\n127.0.0.1 - - [22/Nov/2026 20:10:02] "GET /tfstate?versions HTTP/1.1" 404 215\nTraceback (most recent call last):\n  File "moto/s3/models.py", line 12, in put_obj`,
    );
    log.add(
      `ect\n    return self.put_object()\n           ^^^^^^^^^^^^^^^^^\nRuntimeError: dictionary changed size during iteration\n127.0.0.1 - - [22/Nov/2026 20:10:03] "PUT /tfstate/app/terraform.tfstate HTTP/1.1" 500 -\n${ok(4)}\n`,
    );
    expect(log.lines()).toEqual([
      'Traceback (most recent call last):',
      '  File "moto/s3/models.py", line 12, in put_object',
      '    return self.put_object()',
      'RuntimeError: dictionary changed size during iteration',
      '127.0.0.1 - - [22/Nov/2026 20:10:03] "PUT /tfstate/app/terraform.tfstate HTTP/1.1" 500 -',
    ]);
  });

  test("a crash as moto_server logs it: the web server's frames (Werkzeug, Flask, flask-cors) and a refusal below 500 are left out", () => {
    const site = '/home/ci/project/.venv/lib/python3.11/site-packages';
    const log = troubleLog();
    // Measured with moto_server 5.2.5: a PutItem without TableName, then a request line over 64 KiB.
    log.add(
      [
        '127.0.0.1 - - [22/Nov/2026 20:45:33] "POST / HTTP/1.1" 500 -',
        'Error on request:',
        'Traceback (most recent call last):',
        `  File "${site}/werkzeug/serving.py", line 374, in run_wsgi`,
        '    execute(self.server.app)',
        `  File "${site}/werkzeug/serving.py", line 335, in execute`,
        '    application_iter = app(environ, start_response)',
        '                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
        `  File "${site}/moto/moto_server/werkzeug_app.py", line 390, in __call__`,
        '    return backend_app(environ, start_response)',
        '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
        `  File "${site}/flask/app.py", line 1536, in __call__`,
        '    return self.wsgi_app(environ, start_response)',
        '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
        `  File "${site}/flask_cors/extension.py", line 206, in wrapped_function`,
        '',
      ].join('\n'),
    );
    log.add(
      [
        '    return cors_after_request(app_any.make_response(f(*args, **kwargs)))',
        '                                                    ^^^^^^^^^^^^^^^^^^^^',
        `  File "${site}/moto/dynamodb/responses.py", line 669, in put_item`,
        '    name = self.body["TableName"]',
        '           ^^^^^^^^^^^^^^^^^^^^^^',
        "KeyError: 'TableName'",
        '127.0.0.1 - - [22/Nov/2026 20:45:33] code 414, message Request-URI Too Long',
        '127.0.0.1 - - [22/Nov/2026 20:45:33] "" 414 -',
        '',
      ].join('\n'),
    );
    expect(log.lines()).toEqual([
      '127.0.0.1 - - [22/Nov/2026 20:45:33] "POST / HTTP/1.1" 500 -',
      'Error on request:',
      'Traceback (most recent call last):',
      `  File "${site}/moto/moto_server/werkzeug_app.py", line 390, in __call__`,
      '    return backend_app(environ, start_response)',
      `  File "${site}/moto/dynamodb/responses.py", line 669, in put_item`,
      '    name = self.body["TableName"]',
      "KeyError: 'TableName'",
    ]);
  });

  test('a long line (an answer to a long URL) is cut', () => {
    const log = troubleLog();
    log.add(`127.0.0.1 - - [22/Nov/2026 20:45:34] "GET /tfstate/${'k'.repeat(5000)} HTTP/1.1" 500 -\n`);
    expect(log.lines()).toEqual([
      `127.0.0.1 - - [22/Nov/2026 20:45:34] "GET /tfstate/${'k'.repeat(449)}... (5067 characters)`,
    ]);
  });

  test('an unfinished last line counts; only the last lines are kept', () => {
    const log = troubleLog(3);
    for (let n = 1; n <= 5; n++) log.add(`Error ${n}\n${ok(n)}\n`);
    log.add('OSError: [Errno 28] No space left on d');
    expect(log.lines()).toEqual(['Error 4', 'Error 5', 'OSError: [Errno 28] No space left on d']);
  });
});
