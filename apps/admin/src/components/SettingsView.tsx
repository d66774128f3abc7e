'use client';
// The effective configuration as tables, one card per section (nested tables flattened to dotted
// keys). Read-only: the file is changed on the host, and the processes restarted.
import { Alert, Card, Col, Row, Table, Typography } from 'antd';
import { PageHeader } from './PageHeader';
import { useI18n } from './Providers';

function flatten(prefix: string, v: unknown, out: { key: string; value: string }[]): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(prefix ? `${prefix}.${k}` : k, x, out);
  } else out.push({ key: prefix, value: typeof v === 'string' ? v : JSON.stringify(v) });
}

export function SettingsView({ config, file, hosts }: { config: Record<string, Record<string, unknown>>; file: string | null; hosts: string[] }) {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('settings.title')} subtitle={t('settings.subtitle')} />
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        title={file ? t('settings.file', { file }) : t('settings.noFile')}
        description={t('settings.readOnly')}
        data-testid="settings-file"
      />
      <Card size="small" title={t('settings.hosts')} style={{ marginBottom: 16 }} data-testid="settings-hosts">
        {hosts.length === 0 ? (
          <Typography.Text type="secondary">{t('dashboard.noHosts')}</Typography.Text>
        ) : (
          hosts.map((h) => (
            <div key={h} className="mono" style={{ wordBreak: 'break-all' }}>
              {h}
            </div>
          ))
        )}
      </Card>
      <Row gutter={[12, 12]}>
        {Object.entries(config).map(([section, values]) => {
          const rows: { key: string; value: string }[] = [];
          flatten('', values, rows);
          return (
            <Col key={section} xs={24} xl={12}>
              <Card size="small" title={<span className="mono">[{section}]</span>} data-testid={`settings-${section}`}>
                <Table
                  size="small"
                  rowKey="key"
                  pagination={false}
                  dataSource={rows}
                  scroll={{ x: 'max-content' }}
                  columns={[
                    { title: t('settings.key'), dataIndex: 'key', render: (k: string) => <span className="mono">{k}</span> },
                    {
                      title: t('settings.value'),
                      dataIndex: 'value',
                      render: (v: string) => (
                        <span className="mono" style={{ wordBreak: 'break-all' }}>
                          {v}
                        </span>
                      ),
                    },
                  ]}
                />
              </Card>
            </Col>
          );
        })}
      </Row>
    </>
  );
}
