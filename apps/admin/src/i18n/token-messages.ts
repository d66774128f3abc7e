// Strings of token rotation and editing, merged into `en` / `zh` by messages.ts.

export const tokenEn = {
  'tokens.rotate': 'Rotate / edit',
  'tokens.rotateTitle': 'Rotate token {name}',
  'tokens.rotateHelp':
    'A new JWT replaces this one (same user and name). Its claims are signed into it, so this is also how a token is edited: change what you need, keep the rest.',
  'tokens.grace': 'Old token keeps working',
  'tokens.grace.none': 'no: revoke it now',
  'tokens.grace.1h': 'for 1 hour',
  'tokens.grace.24h': 'for 24 hours',
  'tokens.grace.7d': 'for 7 days',
  'tokens.keep': 'as before',
  'tokens.newExpiry': 'New token expires',
  'tokens.rotatedTitle': 'New token for {name}',
  'tokens.retires': 'retires {at}',
  'tokens.rotatedMsg': 'Token {name} rotated',
  'tokens.usage30d': 'Requests · tokens · cost (30 days)',
};

export const tokenZh: Record<keyof typeof tokenEn, string> = {
  'tokens.rotate': '轮换 / 编辑',
  'tokens.rotateTitle': '轮换令牌 {name}',
  'tokens.rotateHelp': '用新的 JWT 替换此令牌（同一用户和名称）。令牌的声明已签名在其中，因此修改令牌也通过轮换完成：只改需要的，其余保持不变。',
  'tokens.grace': '旧令牌继续可用',
  'tokens.grace.none': '否：立即吊销',
  'tokens.grace.1h': '1 小时',
  'tokens.grace.24h': '24 小时',
  'tokens.grace.7d': '7 天',
  'tokens.keep': '保持不变',
  'tokens.newExpiry': '新令牌过期时间',
  'tokens.rotatedTitle': '{name} 的新令牌',
  'tokens.retires': '{at} 失效',
  'tokens.rotatedMsg': '令牌 {name} 已轮换',
  'tokens.usage30d': '请求 · token · 费用（30 天）',
};
