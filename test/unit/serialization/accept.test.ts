import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ContentDisallowed } from '../../../src/errors.ts';
import { assertAccepted, normalizeAccept } from '../../../src/serialization/accept.ts';

describe('acceptContent', () => {
  test('names and content types normalise to content types', () => {
    const set = normalizeAccept(['msgpack', 'json', 'application/x-msgpack', 'application/json']);
    assert.deepEqual([...set].sort(), ['application/json', 'application/x-msgpack']);
    assert.deepEqual([...normalizeAccept(['json'])], ['application/json']);
    assert.deepEqual([...normalizeAccept(['application/x-custom'])], ['application/x-custom']);
  });

  test('an unknown serializer name is a ConfigError', () => {
    assert.throws(() => normalizeAccept(['msgpak']), ConfigError);
    assert.throws(() => normalizeAccept(['']), ConfigError);
    assert.throws(() => normalizeAccept(['toString']), ConfigError);
  });

  test('assertAccepted passes accepted types and refuses others', () => {
    const accepted = normalizeAccept(['json']);
    assertAccepted('application/json', accepted);
    assert.throws(() => assertAccepted('application/x-msgpack', accepted), ContentDisallowed);
    assert.throws(
      () => assertAccepted('application/x-python-serialize', accepted),
      (err: unknown) => err instanceof ContentDisallowed && err.code === 'CELERIAC_CONTENT_DISALLOWED',
    );
  });
});
