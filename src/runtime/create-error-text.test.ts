import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerCreateErrorText } from './create-error-text.js';

test('runc logrus lines become dockerd framing', () => {
  const raw = 'time="2026-11-28T03:00:00Z" level=error msg="runc create failed: unable to start container process: error during container init: error mounting \\"/x\\" to rootfs at \\"/proc\\": bad"';
  assert.equal(
    dockerCreateErrorText('runc', raw),
    'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "/x" to rootfs at "/proc": bad: unknown',
  );
});

test('crun plain text gets the same framing', () => {
  assert.equal(
    dockerCreateErrorText('crun', 'crun: mount `tmpfs` to `t`: Invalid argument\n'),
    'failed to create shim task: OCI runtime create failed: crun create failed: mount `tmpfs` to `t`: Invalid argument: unknown',
  );
});
