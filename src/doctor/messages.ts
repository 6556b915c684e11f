/**
 * The doctor's words in both page languages, one template per key with its `{parameters}`: a check says
 * `say('secret.guid', { n: 36 })` and gets the English (the CLI, `--json`, the logs) and the Japanese (the
 * admin status page on a Japanese page) from the same line, so the two cannot drift apart. Parameters are
 * language-neutral (URLs, numbers, variable names) or themselves bilingual (a network failure in words).
 * Japanese follows src/i18n/ja.ts: full-width punctuation; variable names, URLs and commands stay as typed.
 */
import type { Locale } from '../i18n/i18n.js';

export type Bilingual = Readonly<Record<Locale, string>>;
export type Params = Readonly<Record<string, string | number | Bilingual>>;

const TEXTS = {
  'secret.fix': {
    en: 'In Entra: App registrations > iLOGON_MHA > Certificates & secrets > New client secret; copy the Value column (shown once).',
    ja: 'Entra で「App registrations」（アプリの登録）>「iLOGON_MHA」>「Certificates & secrets」（証明書とシークレット）>「New client secret」（新しいクライアント シークレット）を開き、「Value」（値）列をコピーします（表示は一度だけです）。',
  },
  'secret.notSet': { en: 'not set', ja: '未設定です' },
  'secret.guid': {
    en: 'set, {n} characters, a GUID: this is the secret\'s "Secret ID", not its "Value"',
    ja: '設定済み（{n} 文字）ですが GUID です。これはシークレットの「Secret ID」（シークレット ID）で、「Value」（値）ではありません',
  },
  'secret.quoted': {
    en: 'set, {n} characters, wrapped in quotes: the quotes become part of the secret',
    ja: '設定済み（{n} 文字）ですが、引用符で囲まれています。引用符もシークレットの一部になります',
  },
  'secret.quotedFix': {
    en: 'Remove the quotes around the value: `docker run --env-file` keeps them as part of the value (write ENTRA_CLIENT_SECRET=value, no quotes).',
    ja: '値を囲む引用符を外します。`docker run --env-file` は引用符も値の一部として残します（引用符なしで ENTRA_CLIENT_SECRET=value と書きます）。',
  },
  'secret.space': {
    en: "set, {n} characters, with white space inside: Entra's secret Values have none",
    ja: '設定済み（{n} 文字）ですが、途中に空白があります。Entra のシークレットの値に空白は含まれません',
  },
  'secret.short': {
    en: "set, {n} characters: shorter than Entra's secret Values (about 40); was it cut short?",
    ja: '設定済み（{n} 文字）ですが、Entra のシークレットの値（約 40 文字）より短い値です。途中で切れていませんか？',
  },
  'secret.ok': { en: 'set, {n} characters, not a GUID (so not the Secret ID)', ja: '設定済み（{n} 文字）。GUID ではありません（つまり Secret ID ではありません）' },

  'baseUrl.unset': { en: 'not set, so {baseUrl}: only this machine can reach that address', ja: '未設定のため {baseUrl} になります。このアドレスには、このマシンからしか接続できません' },
  'baseUrl.unsetFix': {
    en: 'Set BASE_URL to the public origin users type, e.g. https://mha.example.com.',
    ja: 'BASE_URL に、ユーザーが入力する公開オリジンを設定します（例：https://mha.example.com）。',
  },
  'baseUrl.http': {
    en: '{baseUrl} is plain http on a host other than this machine: the session cookie is not Secure, and Entra accepts http redirect URIs only for localhost',
    ja: '{baseUrl} は、このマシン以外のホストで暗号化されない http を使っています。セッション Cookie に Secure が付かず、Entra も http のリダイレクト URI は localhost にしか認めません',
  },
  'baseUrl.httpFix': {
    en: 'Serve iLOGON_MHA over https (TLS at your proxy), set BASE_URL=https://… and TRUST_PROXY.',
    ja: 'iLOGON_MHA を https で提供し（TLS はプロキシで終端します）、BASE_URL=https://… と TRUST_PROXY を設定します。',
  },
  'baseUrl.slash': {
    en: '"{raw}" ends with a slash; iLOGON_MHA drops it, so the redirect URI is {redirectUri}',
    ja: '「{raw}」は末尾がスラッシュです。iLOGON_MHA はこれを取り除くので、リダイレクト URI は {redirectUri} になります',
  },
  'baseUrl.slashFix': {
    en: 'Register exactly {redirectUri} (a redirect URI with a double slash fails with AADSTS50011), and drop the slash from BASE_URL.',
    ja: '{redirectUri} をそのまま登録し（スラッシュが二重になったリダイレクト URI は AADSTS50011 で失敗します）、BASE_URL の末尾のスラッシュを削除します。',
  },
  'baseUrl.ok': { en: 'public origin {baseUrl}', ja: '公開オリジン {baseUrl}' },

  'trustProxy.http': {
    en: '{n} proxies trusted but BASE_URL is http: if TLS ends at the proxy, BASE_URL should be https',
    ja: 'プロキシ {n} 段を信頼していますが、BASE_URL が http です。TLS をプロキシで終端しているなら、BASE_URL は https にします',
  },
  'trustProxy.httpFix': { en: 'Set BASE_URL to the https origin users type.', ja: 'BASE_URL に、ユーザーが入力する https のオリジンを設定します。' },
  'trustProxy.many': {
    en: '{n} proxies: unusual; each trusted hop may set the client address and scheme',
    ja: 'プロキシ {n} 段：通常より多い設定です。信頼した段はどれも、クライアントのアドレスとスキームを設定できます',
  },
  'trustProxy.manyFix': {
    en: 'Count only the reverse proxies you run in front of iLOGON_MHA (usually 1).',
    ja: 'iLOGON_MHA の前に置いたリバース プロキシだけを数えます（通常は 1）。',
  },
  'trustProxy.none': { en: 'no proxy in front (requests reach the app directly)', ja: '前段にプロキシはありません（リクエストはアプリに直接届きます）' },
  'trustProxy.ok': { en: '{n} proxy hop(s) trusted for the client address and scheme', ja: 'クライアントのアドレスとスキームについて、プロキシ {n} 段を信頼しています' },
  'errorDetails.on': {
    en: "true: every visitor sees Entra's technical detail on error pages",
    ja: 'true：すべての訪問者が、エラー ページで Entra の技術的な詳細を見られます',
  },
  'errorDetails.fix': {
    en: 'Set SHOW_ERROR_DETAILS=false once set-up works; admins (MHA_ADMIN_ROLE) still see the detail.',
    ja: 'セットアップが済んだら SHOW_ERROR_DETAILS=false にします。管理者（MHA_ADMIN_ROLE）には引き続き詳細が表示されます。',
  },

  'net.timeout': { en: 'no answer within {s} s', ja: '{s} 秒以内に応答がありません' },
  'net.refused': { en: 'connection refused', ja: '接続が拒否されました' },
  'net.dns': { en: 'host name not found (DNS)', ja: 'ホスト名が見つかりません（DNS）' },
  'net.tls': { en: 'TLS error ({code}): a proxy intercepting TLS, or a wrong host', ja: 'TLS エラー（{code}）：TLS を傍受するプロキシか、ホストの誤りです' },
  'net.urlFailure': { en: '{url}: {failure}', ja: '{url}：{failure}' },

  'skip.discovery': { en: 'not checked: discovery failed', ja: '未確認：ディスカバリーに失敗しました' },
  'skip.sameCause': { en: 'not checked: the same cause as "{title}" above ({cause})', ja: '未確認：上の「{title}」と同じ原因です（{cause}）' },
  'discovery.reachFix': {
    en: 'Check that this machine can reach {host} (firewall, outbound proxy, DNS).',
    ja: 'このマシンから {host} に接続できることを確認します（ファイアウォール、送信プロキシ、DNS）。',
  },
  'discovery.hostFix': {
    en: 'Check ENTRA_AUTHORITY_HOST (default https://login.microsoftonline.com).',
    ja: 'ENTRA_AUTHORITY_HOST を確認します（既定値は https://login.microsoftonline.com）。',
  },
  'discovery.notDocument': {
    en: '{url} answered HTTP {status} without an OpenID discovery document',
    ja: '{url} は HTTP {status} を返しましたが、OpenID のディスカバリー ドキュメントではありません',
  },
  'discovery.authorityFix': {
    en: 'Check ENTRA_AUTHORITY_HOST: it must be an Entra authority such as https://login.microsoftonline.com.',
    ja: 'ENTRA_AUTHORITY_HOST を確認します。https://login.microsoftonline.com のような Entra の機関（authority）である必要があります。',
  },
  'discovery.tenantFix': { en: 'Check ENTRA_TENANT_ID.', ja: 'ENTRA_TENANT_ID を確認します。' },
  'discovery.answered': { en: '{url} answered HTTP {status}', ja: '{url} が HTTP {status} を返しました' },
  'discovery.ok': { en: '{url} answered', ja: '{url} が応答しました' },
  'issuer.ok': { en: '{issuer} (tenant {tid})', ja: '{issuer}（テナント {tid}）' },

  'cloud.unknownHost': {
    en: 'the tenant lives in the {cloud} cloud; ENTRA_AUTHORITY_HOST {authorityHost} is not an Entra host this doctor knows, so it cannot tell whether that host serves the same cloud',
    ja: 'テナントは {cloud} クラウドにあります。ENTRA_AUTHORITY_HOST の {authorityHost} は、このドクターが Entra のホストとして知らないため、同じクラウドを提供しているかどうかは判断できません',
  },
  'cloud.unknownHostFix': {
    en: 'If {host} is a proxy or a stand-in, make sure it forwards to login.{cloud}; otherwise use an Entra authority (ENTRA_CLOUD=public, usgov or china).',
    ja: '{host} がプロキシや代わりのサーバーなら、login.{cloud} に転送していることを確かめます。そうでなければ、Entra の機関（ENTRA_CLOUD=public、usgov、china）を使います。',
  },
  'cloud.ok': { en: 'the tenant lives in {cloud}, served by {host}', ja: 'テナントは {cloud} にあり、{host} が提供しています' },
  'cloud.mismatch': {
    en: 'the tenant lives in the {cloud} cloud, but ENTRA_AUTHORITY_HOST {authorityHost} serves the {hostCloud} cloud',
    ja: 'テナントは {cloud} クラウドにありますが、ENTRA_AUTHORITY_HOST の {authorityHost} は {hostCloud} クラウドを提供しています',
  },
  'cloud.mismatchFix': {
    en: 'Use the authority of that cloud (ENTRA_CLOUD=usgov or china, or ENTRA_AUTHORITY_HOST=https://login.{cloud}) and an app registration made in that cloud.',
    ja: 'そのクラウドの機関（ENTRA_CLOUD=usgov または china、あるいは ENTRA_AUTHORITY_HOST=https://login.{cloud}）と、そのクラウドで作成したアプリの登録を使います。',
  },

  'clock.noDate': { en: 'the authority sent no Date header', ja: '機関（authority）が Date ヘッダーを送りませんでした' },
  'clock.inStep': { en: 'in step with the authority', ja: '機関（authority）の時計と合っています' },
  'clock.aheadTolerated': { en: '{n} s ahead of the authority (tolerated)', ja: '機関（authority）より {n} 秒進んでいます（許容範囲内）' },
  'clock.behindTolerated': { en: '{n} s behind the authority (tolerated)', ja: '機関（authority）より {n} 秒遅れています（許容範囲内）' },
  'clock.ahead': {
    en: "this machine's clock is {n} s ahead of the authority's: ID tokens will look expired",
    ja: 'このマシンの時計は、機関（authority）より {n} 秒進んでいます。ID トークンが期限切れに見えます',
  },
  'clock.behind': {
    en: "this machine's clock is {n} s behind the authority's: ID tokens will look issued in the future",
    ja: 'このマシンの時計は、機関（authority）より {n} 秒遅れています。ID トークンが未来に発行されたように見えます',
  },
  'clock.fix': {
    en: "Synchronise the clock with NTP (timedatectl set-ntp true, or your platform's time service).",
    ja: '時計を NTP で同期します（timedatectl set-ntp true、またはプラットフォームの時刻サービス）。',
  },

  'keys.noUri': { en: 'discovery has no jwks_uri', ja: 'ディスカバリーに jwks_uri がありません' },
  'keys.reachFix': { en: 'Check outbound access to the authority.', ja: '機関（authority）への送信方向の通信を確認します。' },
  'keys.none': { en: '{url} answered HTTP {status} without RSA signing keys', ja: '{url} は HTTP {status} を返しましたが、RSA の署名キーがありません' },
  'keys.hostFix': { en: 'Check ENTRA_AUTHORITY_HOST.', ja: 'ENTRA_AUTHORITY_HOST を確認します。' },
  'keys.ok': { en: '{n} RSA signing key(s) downloaded', ja: 'RSA の署名キーを {n} 個ダウンロードしました' },

  'credentials.multiTenant': {
    en: 'not checked: ENTRA_TENANT_ID is {tenantId}; the first sign-in from an allowed tenant tests them',
    ja: '未確認：ENTRA_TENANT_ID が {tenantId} のため、許可されたテナントからの最初のサインインで確かめられます',
  },
  'credentials.ok': {
    en: 'Entra issued a token for {scope} with this client ID and credential (the token was discarded)',
    ja: 'このクライアント ID と資格情報で、Entra が {scope} のトークンを発行しました（トークンは破棄しました）',
  },
  'credentials.refused': { en: 'the token endpoint refused the client credentials', ja: 'トークン エンドポイントがクライアント資格情報を拒否しました' },
  'credentials.failed': { en: 'the token request failed: {failure}', ja: 'トークンの要求に失敗しました：{failure}' },
  'credentials.reachFix': { en: 'Check outbound access to {host}.', ja: '{host} への送信方向の通信を確認します。' },

  'redirect.noEndpoint': { en: 'discovery has no authorization_endpoint', ja: 'ディスカバリーに authorization_endpoint がありません' },
  'redirect.unreachable': { en: 'could not ask {endpoint}: {failure}', ja: '{endpoint} に問い合わせできませんでした：{failure}' },
  'redirect.ok': { en: 'Entra accepts {uri} (it sends browsers back to it)', ja: 'Entra は {uri} を受け付けます（ブラウザーをここに戻します）' },
  'redirect.refused': { en: 'the authorization endpoint refused {uri}', ja: '認可エンドポイントが {uri} を拒否しました' },
  'redirect.unconfirmed': {
    en: 'could not confirm from here that {uri} is registered (HTTP {status})',
    ja: 'ここからは {uri} が登録されているかどうかを確認できませんでした（HTTP {status}）',
  },
  'redirect.unconfirmedElsewhere': {
    en: 'could not confirm from here that {uri} is registered (HTTP {status}, redirected elsewhere)',
    ja: 'ここからは {uri} が登録されているかどうかを確認できませんでした（HTTP {status}、別の場所へのリダイレクト）',
  },
  'redirect.unconfirmedFix': {
    en: 'Make sure {uri} is registered under the Web platform, then sign in once to confirm.',
    ja: '{uri} が「Web」プラットフォームに登録されていることを確かめ、一度サインインして確認します。',
  },

  'store.memoryProduction': {
    en: 'in-process memory: one replica only, and every session ends when the process restarts',
    ja: 'プロセス内のメモリー：レプリカは 1 つだけで、プロセスを再起動するとすべてのセッションが終わります',
  },
  'store.memoryProductionFix': {
    en: 'Run a single replica, or set SESSION_STORE=redis and REDIS_URL to share sessions (see README, Production).',
    ja: 'レプリカを 1 つだけにするか、セッションを共有するために SESSION_STORE=redis と REDIS_URL を設定します（README の「Production」を参照）。',
  },
  'store.memory': { en: 'in-process memory (fine for one replica)', ja: 'プロセス内のメモリー（レプリカが 1 つなら問題ありません）' },
  'store.credentialsRefused': {
    en: 'Redis at {url}: refused the credentials in REDIS_URL ({failure})',
    ja: '{url} の Redis が、REDIS_URL の資格情報を拒否しました（{failure}）',
  },
  'store.failed': { en: 'Redis at {url}: {failure}', ja: '{url} の Redis：{failure}' },
  'store.passwordFix': {
    en: 'Put the password in REDIS_URL as redis://:PASSWORD@host:6379/0, or redis://USER:PASSWORD@host:6379/0 for an ACL user; URL-encode special characters.',
    ja: 'パスワードは REDIS_URL に redis://:PASSWORD@host:6379/0 の形で、ACL ユーザーなら redis://USER:PASSWORD@host:6379/0 の形で書きます。特殊文字は URL エンコードします。',
  },
  'store.passwordCompareFix': {
    en: "Compare it with the Redis server's requirepass or ACL (a managed Redis shows it as the access key).",
    ja: 'Redis サーバーの requirepass または ACL と比べます（マネージド Redis ではアクセス キーとして表示されます）。',
  },
  'store.sentinelFix': {
    en: 'Check REDIS_SENTINELS and REDIS_SENTINEL_MASTER (now {url}): the sentinels\' host:port, and the name in their "sentinel monitor" line.',
    ja: 'REDIS_SENTINELS と REDIS_SENTINEL_MASTER（現在の値：{url}）を確認します。Sentinel の host:port と、その「sentinel monitor」行にある名前です。',
  },
  'store.sentinelReachFix': {
    en: "Check that the sentinels and the master they name are running and reachable from this machine (the master's address as the sentinels announce it).",
    ja: 'Sentinel と、それが示すマスターが動いていて、このマシンから接続できることを確認します（マスターのアドレスは Sentinel が通知するものです）。',
  },
  'store.urlFix': {
    en: 'Check REDIS_URL (now {url}): host, port, and rediss:// when the server requires TLS.',
    ja: 'REDIS_URL（現在の値：{url}）を確認します。ホスト、ポート、そしてサーバーが TLS を求める場合は rediss:// です。',
  },
  'store.reachFix': {
    en: 'Check that Redis is running and that this machine can reach it (firewall, security group, network policy).',
    ja: 'Redis が動いていて、このマシンから接続できることを確認します（ファイアウォール、セキュリティ グループ、ネットワーク ポリシー）。',
  },
  'store.old': {
    en: 'Redis at {url} answered PING, but it is version {version}; sign-ins need {min} or newer (GETDEL)',
    ja: '{url} の Redis は PING に応答しましたが、バージョン {version} です。サインインには {min} 以降が必要です（GETDEL）',
  },
  'store.oldFix': { en: 'Upgrade Redis to 6.2 or newer (7.x recommended).', ja: 'Redis を 6.2 以降にアップグレードします（7.x を推奨）。' },
  'store.ok': {
    en: 'Redis at {url} answered PING (Redis {version}); sessions are shared by every replica',
    ja: '{url} の Redis が PING に応答しました（Redis {version}）。セッションはすべてのレプリカで共有されます',
  },
  'store.okNoVersion': {
    en: 'Redis at {url} answered PING (version not readable: INFO is disabled); sessions are shared by every replica',
    ja: '{url} の Redis が PING に応答しました（INFO が無効なためバージョンは読めません）。セッションはすべてのレプリカで共有されます',
  },
  'store.tls': { en: 'TLS error ({code}): check rediss:// and the server certificate', ja: 'TLS エラー（{code}）：rediss:// とサーバー証明書を確認します' },
} as const satisfies Record<string, Bilingual>;

export type DoctorKey = keyof typeof TEXTS;

/** Every key with its templates, for the tests (same placeholders, full-width punctuation). */
export const DOCTOR_TEXTS: Readonly<Record<DoctorKey, Bilingual>> = TEXTS;

/** The line for `key` in both languages, `{name}` filled from `params` (a bilingual parameter in its language). */
export function say(key: DoctorKey, params: Params = {}): Bilingual {
  const fill = (locale: Locale) =>
    TEXTS[key][locale].replace(/\{(\w+)\}/g, (whole, name: string) => {
      if (!Object.hasOwn(params, name)) return whole;
      const v = params[name]!;
      return typeof v === 'object' ? v[locale] : String(v);
    });
  return { en: fill('en'), ja: fill('ja') };
}

/** Text that has no translation (a library's message): the same words in every language. */
export function verbatim(text: string): Bilingual {
  return { en: text, ja: text };
}
