'use client';
// Ready-to-paste ways to use a freshly issued token: curl, the openai SDK, and Claude Code through
// the gateway's Anthropic-compatible endpoint.
import { Tabs, Typography } from 'antd';
import { useGatewayUrl } from './Gateway';
import { useI18n } from './Providers';

export function snippets(base: string, token: string, model = 'deepseek-chat'): { curl: string; openai: string; claude: string } {
  return {
    curl: [
      `curl -N ${base}/v1/chat/completions \\`,
      `  -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" \\`,
      `  -d '{"model":"${model}","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'`,
    ].join('\n'),
    openai: [
      `import OpenAI from 'openai';`,
      `const client = new OpenAI({ baseURL: '${base}/v1', apiKey: '${token}' });`,
      `const r = await client.chat.completions.create({ model: '${model}', messages: [{ role: 'user', content: 'Hello!' }] });`,
      `console.log(r.choices[0].message.content);`,
    ].join('\n'),
    // Claude Code asks for Claude model names unless told which models to use
    claude: [
      `export ANTHROPIC_BASE_URL=${base}/anthropic`,
      `export ANTHROPIC_AUTH_TOKEN=${token}`,
      `export ANTHROPIC_MODEL=${model}`,
      `export ANTHROPIC_SMALL_FAST_MODEL=${model}`,
      `claude`,
    ].join('\n'),
  };
}

export function TokenSnippets({ token }: { token: string }) {
  const { t } = useI18n();
  const base = useGatewayUrl();
  const s = snippets(base, token);
  const block = (id: string, text: string) => (
    <Typography.Paragraph copyable={{ text }} style={{ marginBottom: 0 }}>
      <pre className="mono" data-testid={`snippet-${id}`} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12, margin: 0 }}>
        {text}
      </pre>
    </Typography.Paragraph>
  );
  return (
    <div data-testid="token-snippets">
      <Typography.Paragraph style={{ marginTop: 12, marginBottom: 4 }}>
        {t('tokens.baseUrl')}{' '}
        <Typography.Text code copyable data-testid="gateway-base-url">
          {`${base}/v1`}
        </Typography.Text>
      </Typography.Paragraph>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('tokens.baseUrlHelp')}
      </Typography.Text>
      {/* forceRender: every snippet is in the page at once, so copying never depends on a tab switch */}
      <Tabs
        size="small"
        items={[
          { key: 'curl', label: 'curl', children: block('curl', s.curl), forceRender: true },
          { key: 'openai', label: 'openai SDK', children: block('openai', s.openai), forceRender: true },
          { key: 'claude', label: 'Claude Code', children: block('claude', s.claude), forceRender: true },
        ]}
      />
    </div>
  );
}
