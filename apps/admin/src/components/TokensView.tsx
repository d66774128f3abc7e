'use client';
import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { Button, Card, Select, Space } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import type { TokenDTO, TokenUsageDTO } from '@/lib/types';
import { IssueTokenModal, type UserOption } from './IssueTokenModal';
import { PageHeader } from './PageHeader';
import { useI18n } from './Providers';
import { useCanWrite } from './Role';
import { TokensTable } from './TokensTable';

export function TokensView({
  tokens,
  users,
  filterUser,
  models,
  defaultConcurrency,
  usage,
}: {
  tokens: TokenDTO[];
  usage: Record<string, TokenUsageDTO>;
  users: UserOption[];
  filterUser: string | null;
  models: string[];
  defaultConcurrency: number;
}) {
  const { t } = useI18n();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const canWrite = useCanWrite();
  return (
    <>
      <PageHeader
        title={t('tokens.title')}
        subtitle={t('tokens.subtitle')}
        extra={
          canWrite ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)} data-testid="issue-token">
              {t('tokens.issue')}
            </Button>
          ) : null
        }
      />
      <Card size="small">
        <Space style={{ marginBottom: 12 }}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            style={{ width: 320 }}
            placeholder={t('tokens.filterUser')}
            value={filterUser ?? undefined}
            onChange={(v?: string) => router.push(v ? `/tokens?user=${encodeURIComponent(v)}` : '/tokens')}
            options={users.map((u) => ({ value: u.id, label: u.name ? `${u.id} (${u.name})` : u.id }))}
            data-testid="tokens-filter-user"
          />
        </Space>
        <TokensTable tokens={tokens} defaultConcurrency={defaultConcurrency} models={models} usage={usage} />
      </Card>
      <IssueTokenModal
        open={open}
        onClose={() => setOpen(false)}
        users={users}
        fixedUser={filterUser}
        models={models}
        defaultConcurrency={defaultConcurrency}
      />
    </>
  );
}
