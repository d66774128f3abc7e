// Strings of a user's notes, labels and soft deletion, merged into `en` / `zh` by messages.ts.

export const userProfileEn = {
  'profile.title': 'Notes and labels',
  'profile.notes': 'Notes',
  'profile.labels': 'Labels',
  'profile.labelsHelp': 'Lower-case letters, digits and . _ : - ; the users search finds them.',
  'profile.none': 'none',
  'profile.edit': 'Edit',
  'profile.editTitle': 'Notes and labels of {id}',
  'profile.saved': 'Saved',
  'profile.delete': 'Delete user',
  'profile.deleteConfirm': 'Delete {id}? It is disabled, its tokens are revoked and it leaves the lists; its usage stays in the ledger.',
  'profile.deletedMsg': '{id} is deleted',
  'profile.deletedBanner': 'Deleted {at}: disabled, tokens revoked, hidden from the lists. Its usage stays in the ledger.',
  'profile.restore': 'Restore',
  'profile.restoredMsg': '{id} is restored (still disabled)',
  'status.deleted': 'deleted',
  'users.labelsColumn': 'Labels',
};

export const userProfileZh: Record<keyof typeof userProfileEn, string> = {
  'profile.title': '备注与标签',
  'profile.notes': '备注',
  'profile.labels': '标签',
  'profile.labelsHelp': '小写字母、数字和 . _ : -；用户搜索可按标签查找。',
  'profile.none': '无',
  'profile.edit': '编辑',
  'profile.editTitle': '{id} 的备注与标签',
  'profile.saved': '已保存',
  'profile.delete': '删除用户',
  'profile.deleteConfirm': '删除 {id}？该用户将被停用、令牌全部吊销并从列表中隐藏；用量记录保留在账本中。',
  'profile.deletedMsg': '{id} 已删除',
  'profile.deletedBanner': '已于 {at} 删除：已停用、令牌已吊销、不在列表中显示。用量记录保留在账本中。',
  'profile.restore': '恢复',
  'profile.restoredMsg': '{id} 已恢复（仍为停用状态）',
  'status.deleted': '已删除',
  'users.labelsColumn': '标签',
};
