/** testToken: a JWT the auth plugin accepts with TEST_SECRET, and refuses with another secret or once expired. */
import t from 'tap';
import authPlugin from '@actorwire/plugin-auth';
import { TEST_SECRET, expectRefused, startTestServer, testToken } from '../src/index.js';

t.test('a token for anyone, accepted by the auth plugin configured with TEST_SECRET', async (t) => {
  const srv = await startTestServer({ plugins: [[authPlugin, { secret: TEST_SECRET }]] });
  t.teardown(() => srv.stop());
  const c = await srv.connect(`/ws?token=${testToken({ sub: 'ada', role: 'admin' })}`);
  t.equal(c.connected?.data.user_id, 'ada');
  c.close();
  const other = testToken({ sub: 'eve' }, { secret: 'another-secret-0123456789-0123456789-abcdef' });
  t.equal((await expectRefused(`${srv.wsBase}/ws?token=${other}`)).status, 401, 'another secret: refused');
  const expired = testToken({ sub: 'old', exp: Math.floor(Date.now() / 1000) - 60 });
  t.equal((await expectRefused(`${srv.wsBase}/ws?token=${expired}`)).status, 401, 'expired: refused');
});
