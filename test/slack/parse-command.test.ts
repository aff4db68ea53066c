// parseCommandText: `/leak` text as Slack sends it (& < > escaped, https://api.slack.com/reference/surfaces/formatting#escaping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandText } from '../../src/slack/dispatch.js';

test('a name in angle brackets copied from usage text is unwrapped, alone or as an option value', () => {
  assert.deepEqual(parseCommandText('snapshot &lt;svc-order&gt;'), { verb: 'snapshot', args: ['svc-order'] });
  assert.deepEqual(parseCommandText('snapshot svc-order pod=&lt;web-0&gt;'), { verb: 'snapshot', args: ['svc-order', 'pod=web-0'] });
  assert.deepEqual(parseCommandText('diff svc-order instance=&lt;10.0.3.7:6060&gt;'), { verb: 'diff', args: ['svc-order', 'instance=10.0.3.7:6060'] });
});

test("Slack's own <@U…>, <!channel> and links stay escaped, so no reply echoing them can mention or link", () => {
  assert.deepEqual(parseCommandText('snapshot &lt;@U123&gt; &lt;!channel&gt; &lt;https://x.test|y&gt;').args, ['&lt;@U123&gt;', '&lt;!channel&gt;', '&lt;https://x.test|y&gt;']);
  assert.deepEqual(parseCommandText('snapshot pod=&lt;!channel&gt;').args, ['pod=&lt;!channel&gt;']);
});
