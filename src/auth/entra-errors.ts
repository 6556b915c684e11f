/**
 * Entra error responses (callback query or token endpoint JSON) parsed into one shape, and the AADSTS
 * codes an admin meets while setting the product up, mapped to words an end user and an admin can act on.
 *
 * This table is the single source: the callback's error page, the doctor, the admin status page, the
 * logs and the README's Troubleshooting section (generated from it, checked by a test) all read it.
 * Microsoft warns that the texts change: the mapping is by code, best effort, and the trace and
 * correlation ids are always kept so support can find the sign-in in Entra's logs.
 *
 * The words for the person signing in are in the language catalogues (src/i18n/*.ts), under
 * `aadsts.<first code of the entry>.title|advice` (see `catalogueCode`; a test checks every entry has them).
 * The admin part (title, cause, steps) is here, in English and, under `ja`, in Japanese, side by side so the
 * two stay in step: the error page's "For administrators" block and the admin status page show the page's
 * language; the doctor, the logs and the README use the English. Portal menu names stay in the portal's
 * English form (the Entra admin center is often shown in English), quoted 「…」 with a Japanese gloss.
 * `{redirectUri}`-style placeholders in steps (and causes) are filled by `fillSteps`.
 */
import type { Locale } from '../i18n/i18n.js';
import { GUID_IN_TEXT, isGuid } from './tenant-id.js';

export interface EntraError {
  readonly error: string;
  readonly description?: string;
  /** The AADSTS number, e.g. "50105". */
  readonly aadsts?: string;
  readonly traceId?: string;
  readonly correlationId?: string;
  readonly timestamp?: string;
}

/** Who can fix it: the person signing in, the customer's Entra admin, or iLOGON_MHA support. */
export type Fixer = 'user' | 'admin' | 'support';

/** The admin's words for one entry in one language. */
export interface AdminText {
  /** Plain-language title for the admin (what Entra means). */
  readonly title: string;
  /** The usual cause with this product. */
  readonly cause: string;
  /** What the admin (or whoever `fixer` names) does, in order. */
  readonly steps: readonly string[];
}

export interface EntraErrorEntry extends AdminText {
  /** One or more AADSTS numbers sharing the same meaning and fix. */
  readonly codes: readonly string[];
  readonly fixer: Fixer;
  /** The same title, cause and steps in Japanese (full-width punctuation, as src/i18n/ja.ts). */
  readonly ja: AdminText;
}

/** What every page and report needs about one error: the table entry (in one language) plus Entra's help link. */
export interface AadstsExplanation extends AdminText {
  readonly fixer: Fixer;
  /** The AADSTS code this explanation is for, when Entra sent one. */
  readonly aadsts?: string;
  /** Entra's own page for the code (or its error-code lookup when there is none). */
  readonly helpLink: string;
  /** False for the generic fallback: the code is not in our table. */
  readonly known: boolean;
}

const APP_REGISTRATION = 'In the Microsoft Entra admin center open Identity > Applications > App registrations > iLOGON_MHA.';
const GRANT_CONSENT = [
  APP_REGISTRATION,
  'Open API permissions and choose "Grant admin consent for <your organization>" (or Enterprise applications > iLOGON_MHA > Permissions > Grant admin consent).',
  'Ask the user to sign in again.',
];
const NEW_SECRET = [
  APP_REGISTRATION,
  'Open Certificates & secrets > Client secrets > New client secret.',
  'Copy the Value column right away (it is shown only once; the Secret ID next to it is not the secret) into ENTRA_CLIENT_SECRET.',
  'Restart iLOGON_MHA sign-in and run `npm run doctor` (in the container: `node dist/doctor.js`) to confirm.',
];
const APP_REGISTRATION_JA =
  'Microsoft Entra 管理センターで「Identity」>「Applications」>「App registrations」>「iLOGON_MHA」を開きます（日本語表示では「ID」>「アプリケーション」>「アプリの登録」）。';
const GRANT_CONSENT_JA = [
  APP_REGISTRATION_JA,
  '「API permissions」（API のアクセス許可）を開き、「Grant admin consent for <組織名>」（<組織名> に管理者の同意を与えます）を選びます（または「Enterprise applications」>「iLOGON_MHA」>「Permissions」>「Grant admin consent」）。',
  'ユーザーにもう一度サインインしてもらいます。',
];
const RESTART_JA = 'iLOGON_MHA サインインを再起動し、`npm run doctor`（コンテナーでは `node dist/doctor.js`）を実行して確認します。';
const NEW_SECRET_JA = [
  APP_REGISTRATION_JA,
  '「Certificates & secrets」（証明書とシークレット）>「Client secrets」（クライアント シークレット）>「New client secret」（新しいクライアント シークレット）を開きます。',
  '「Value」（値）列をすぐにコピーして ENTRA_CLIENT_SECRET に設定します（表示されるのは一度だけです。隣の「Secret ID」はシークレットではありません）。',
  RESTART_JA,
];

export const ENTRA_ERROR_TABLE: readonly EntraErrorEntry[] = [
  {
    codes: ['50011'],
    title: 'The redirect URI sent to Entra is not registered for the app',
    fixer: 'admin',
    cause: 'BASE_URL (scheme, host or port) differs from the redirect URI registered in Entra, a trailing slash differs, or the URI was added under a platform other than Web.',
    steps: [
      APP_REGISTRATION,
      'Open Authentication; under the Web platform add exactly {redirectUri} (and {postLogoutRedirectUri} for sign-out).',
      'Behind a proxy, BASE_URL must be the public https origin users type, and TRUST_PROXY the number of proxies.',
    ],
    ja: {
      title: 'Entra に送られたリダイレクト URI がアプリに登録されていません',
      cause: 'BASE_URL（スキーム、ホスト、ポート）が Entra に登録したリダイレクト URI と異なるか、末尾のスラッシュが異なるか、URI が「Web」以外のプラットフォームに追加されています。',
      steps: [
        APP_REGISTRATION_JA,
        '「Authentication」（認証）を開き、「Web」プラットフォームに {redirectUri} をそのまま追加します（サインアウト用に {postLogoutRedirectUri} も追加します）。',
        'プロキシの背後では、BASE_URL をユーザーが入力する公開の https オリジンに、TRUST_PROXY をプロキシの段数にします。',
      ],
    },
  },
  {
    codes: ['500113'],
    title: 'No reply address (redirect URI) is registered for the app',
    fixer: 'admin',
    cause: 'The app registration has no Web redirect URI.',
    steps: [APP_REGISTRATION, 'Open Authentication > Add a platform > Web and add exactly {redirectUri}.'],
    ja: {
      title: 'アプリに応答 URL（リダイレクト URI）が登録されていません',
      cause: 'アプリの登録に「Web」のリダイレクト URI がありません。',
      steps: [
        APP_REGISTRATION_JA,
        '「Authentication」（認証）>「Add a platform」（プラットフォームを追加）>「Web」を開き、{redirectUri} をそのまま追加します。',
      ],
    },
  },
  {
    codes: ['9002325'],
    title: 'The redirect URI is registered as a single-page application (SPA)',
    fixer: 'admin',
    cause: 'The redirect URI sits under the Single-page application platform, so Entra treats the app as a browser app.',
    steps: [
      APP_REGISTRATION,
      'Open Authentication and remove {redirectUri} from Single-page application.',
      'Add it again under the Web platform.',
    ],
    ja: {
      title: 'リダイレクト URI がシングルページ アプリケーション（SPA）として登録されています',
      cause: 'リダイレクト URI が「Single-page application」（シングルページ アプリケーション）プラットフォームにあるため、Entra はこのアプリをブラウザー アプリとして扱います。',
      steps: [
        APP_REGISTRATION_JA,
        '「Authentication」（認証）を開き、「Single-page application」から {redirectUri} を削除します。',
        '同じ URI を「Web」プラットフォームに追加し直します。',
      ],
    },
  },
  {
    codes: ['700016'],
    title: 'The application was not found in the directory',
    fixer: 'admin',
    cause: 'ENTRA_CLIENT_ID or ENTRA_TENANT_ID is wrong, the app is registered in another tenant or cloud, or it has not been consented to in this tenant.',
    steps: [
      APP_REGISTRATION,
      'On Overview copy the Application (client) ID into ENTRA_CLIENT_ID (now {clientId}) and the Directory (tenant) ID into ENTRA_TENANT_ID (now {tenantId}).',
      'If the app is registered in another tenant, an admin of this tenant must grant consent first.',
    ],
    ja: {
      title: 'ディレクトリにアプリケーションが見つかりません',
      cause: 'ENTRA_CLIENT_ID または ENTRA_TENANT_ID が間違っているか、アプリが別のテナントやクラウドに登録されているか、このテナントでまだ同意されていません。',
      steps: [
        APP_REGISTRATION_JA,
        '「Overview」（概要）で「Application (client) ID」（アプリケーション（クライアント）ID）を ENTRA_CLIENT_ID（現在の値：{clientId}）に、「Directory (tenant) ID」（ディレクトリ（テナント）ID）を ENTRA_TENANT_ID（現在の値：{tenantId}）にコピーします。',
        'アプリが別のテナントに登録されている場合は、先にこのテナントの管理者が同意を付与する必要があります。',
      ],
    },
  },
  {
    codes: ['90002'],
    title: 'The tenant was not found',
    fixer: 'admin',
    cause: 'ENTRA_TENANT_ID has a typo or names a domain that is not verified, or the tenant lives in another cloud (US Government, China).',
    steps: [
      'In the Microsoft Entra admin center open Overview and copy the Tenant ID (a GUID) into ENTRA_TENANT_ID (now {tenantId}).',
      'If the tenant is in a national cloud, set ENTRA_CLOUD=usgov (US Government) or ENTRA_CLOUD=china (21Vianet), and use an app registration made in that cloud; ENTRA_AUTHORITY_HOST overrides the authority (now {authorityHost}).',
    ],
    ja: {
      title: 'テナントが見つかりません',
      cause: 'ENTRA_TENANT_ID に入力ミスがあるか、確認済みでないドメインを指定しているか、テナントが別のクラウド（US Government、China）にあります。',
      steps: [
        'Microsoft Entra 管理センターで「Overview」（概要）を開き、「Tenant ID」（テナント ID、GUID）を ENTRA_TENANT_ID（現在の値：{tenantId}）にコピーします。',
        'テナントが国別クラウドにある場合は、ENTRA_CLOUD=usgov（US Government）または ENTRA_CLOUD=china（21Vianet）を設定し、そのクラウドで作成したアプリの登録を使います。機関（authority）は ENTRA_AUTHORITY_HOST で上書きできます（現在の値：{authorityHost}）。',
      ],
    },
  },
  {
    codes: ['50194'],
    title: 'The app is not configured as multi-tenant',
    fixer: 'admin',
    cause: 'The common or organizations endpoint was used with an app that accepts only its own organization.',
    steps: ['Set ENTRA_TENANT_ID to the Directory (tenant) ID GUID from the app\'s Overview page.'],
    ja: {
      title: 'アプリがマルチテナント用に構成されていません',
      cause: '自組織のアカウントだけを受け付けるアプリに対して、common または organizations のエンドポイントが使われました。',
      steps: [
        'ENTRA_TENANT_ID に、アプリの「Overview」（概要）ページにある「Directory (tenant) ID」（ディレクトリ（テナント）ID）の GUID を設定します。',
      ],
    },
  },
  {
    codes: ['7000215'],
    title: 'The client secret is not valid',
    fixer: 'admin',
    cause: 'The secret\'s Secret ID was pasted instead of its Value, the secret belongs to another app registration, or it was cut short.',
    steps: NEW_SECRET,
    ja: {
      title: 'クライアント シークレットが無効です',
      cause: 'シークレットの「Value」（値）ではなく「Secret ID」（シークレット ID）が貼り付けられたか、別のアプリの登録のシークレットか、途中で切れています。',
      steps: NEW_SECRET_JA,
    },
  },
  {
    codes: ['700027'],
    title: 'The certificate that signed the client assertion is not registered for the app',
    fixer: 'admin',
    cause: 'ENTRA_CLIENT_CERTIFICATE_PATH holds a certificate that was never uploaded to this app registration (or was deleted, or belongs to another app), so Entra cannot match its thumbprint (x5t#S256).',
    steps: [
      APP_REGISTRATION,
      'Open Certificates & secrets > Certificates and compare the Thumbprint column with the certificate in ENTRA_CLIENT_CERTIFICATE_PATH (`openssl x509 -in <file> -noout -fingerprint -sha1`).',
      'Upload the certificate (the .crt, public part only) with Upload certificate, or point ENTRA_CLIENT_CERTIFICATE_PATH at the one that is listed.',
      'Restart iLOGON_MHA sign-in and run `npm run doctor` (in the container: `node dist/doctor.js`) to confirm.',
    ],
    ja: {
      title: 'クライアント アサーションに署名した証明書がアプリに登録されていません',
      cause: 'ENTRA_CLIENT_CERTIFICATE_PATH の証明書がこのアプリの登録にアップロードされていない（削除された、または別のアプリのものである）ため、Entra はその拇印（x5t#S256）を照合できません。',
      steps: [
        APP_REGISTRATION_JA,
        '「Certificates & secrets」（証明書とシークレット）>「Certificates」（証明書）を開き、「Thumbprint」（拇印）列を ENTRA_CLIENT_CERTIFICATE_PATH の証明書と比べます（`openssl x509 -in <file> -noout -fingerprint -sha1`）。',
        '「Upload certificate」（証明書のアップロード）で証明書（公開部分だけの .crt）をアップロードするか、ENTRA_CLIENT_CERTIFICATE_PATH を一覧にある証明書に向けます。',
        RESTART_JA,
      ],
    },
  },
  {
    codes: ['700024'],
    title: 'The client assertion is not within its valid time range',
    fixer: 'admin',
    cause:
      'The token in ENTRA_CLIENT_ASSERTION_FILE has expired (the platform stopped refreshing it, or a copy of it was mounted instead of the projected file), or this machine\'s clock is off, so the assertion signed with ENTRA_CLIENT_CERTIFICATE_PATH looks expired or not yet valid to Entra.',
    steps: [
      'Run `npm run doctor` (in the container: `node dist/doctor.js`): its clock check compares this machine\'s clock with Entra\'s. If it is off, fix time synchronization (NTP) on the host.',
      'With ENTRA_CLIENT_ASSERTION_FILE: decode the middle part of the token in the file (base64url) and check that its exp lies in the future.',
      'Point ENTRA_CLIENT_ASSERTION_FILE at the token file the platform projects and refreshes (AKS workload identity: the pod label azure.workload.identity/use: "true" and the path in AZURE_FEDERATED_TOKEN_FILE), never at a copy of it.',
      'Restart iLOGON_MHA sign-in if the clock or the mount changed, and sign in again.',
    ],
    ja: {
      title: 'クライアント アサーションが有効期間外です',
      cause: 'ENTRA_CLIENT_ASSERTION_FILE のトークンの有効期限が切れている（プラットフォームが更新を止めた、または投影されたファイルではなくそのコピーをマウントした）か、このマシンの時計がずれているため、ENTRA_CLIENT_CERTIFICATE_PATH で署名したアサーションが、Entra からは期限切れか、まだ有効でないように見えます。',
      steps: [
        '`npm run doctor`（コンテナーでは `node dist/doctor.js`）を実行します。時計のチェックが、このマシンの時計を Entra の時計と比べます。ずれている場合は、ホストの時刻同期（NTP）を直します。',
        'ENTRA_CLIENT_ASSERTION_FILE を使う場合：ファイル内のトークンの中央部分（base64url）をデコードし、exp が未来の時刻であることを確かめます。',
        'ENTRA_CLIENT_ASSERTION_FILE は、プラットフォームが投影して更新するトークン ファイルに向けます（AKS のワークロード ID では、ポッドのラベル `azure.workload.identity/use: "true"` と AZURE_FEDERATED_TOKEN_FILE のパス）。そのコピーには向けないでください。',
        '時計やマウントを変えた場合は iLOGON_MHA サインインを再起動し、もう一度サインインします。',
      ],
    },
  },
  {
    codes: ['7000222'],
    title: 'The client secret has expired',
    fixer: 'admin',
    cause: 'The secret is past the expiry date chosen when it was created.',
    steps: [...NEW_SECRET, 'Delete the expired secret and note the new expiry date; rotate before it.'],
    ja: {
      title: 'クライアント シークレットの有効期限が切れています',
      cause: 'シークレットが、作成時に選んだ有効期限を過ぎています。',
      steps: [...NEW_SECRET_JA, '期限切れのシークレットを削除し、新しい有効期限を控えておきます。その日が来る前に更新してください。'],
    },
  },
  {
    codes: ['7000218'],
    title: 'No client secret was sent',
    fixer: 'admin',
    cause: 'ENTRA_CLIENT_SECRET is empty or does not reach the process (for example not passed to the container).',
    steps: ['Set ENTRA_CLIENT_SECRET to the client secret\'s Value and make sure the process receives it (.env file, `docker run --env-file`, or your secret store).'],
    ja: {
      title: 'クライアント シークレットが送られていません',
      cause: 'ENTRA_CLIENT_SECRET が空か、プロセスに届いていません（たとえば、コンテナーに渡されていない）。',
      steps: [
        'ENTRA_CLIENT_SECRET にクライアント シークレットの「Value」（値）を設定し、プロセスがそれを受け取れるようにします（.env ファイル、`docker run --env-file`、またはシークレット ストア）。',
      ],
    },
  },
  {
    codes: ['700025'],
    title: 'The app is registered as a public client',
    fixer: 'admin',
    cause: 'The redirect URI is under Mobile and desktop applications, or "Allow public client flows" is on, so Entra refuses a client secret.',
    steps: [
      APP_REGISTRATION,
      'Open Authentication: move {redirectUri} to the Web platform, and set "Allow public client flows" to No.',
    ],
    ja: {
      title: 'アプリがパブリック クライアントとして登録されています',
      cause: 'リダイレクト URI が「Mobile and desktop applications」（モバイル アプリケーションとデスクトップ アプリケーション）にあるか、「Allow public client flows」（パブリック クライアント フローを許可する）がオンになっているため、Entra はクライアント シークレットを受け付けません。',
      steps: [
        APP_REGISTRATION_JA,
        '「Authentication」（認証）を開き、{redirectUri} を「Web」プラットフォームに移して、「Allow public client flows」を「No」（いいえ）にします。',
      ],
    },
  },
  {
    codes: ['700054'],
    title: 'The request asked for an ID token from the authorization endpoint (implicit flow)',
    fixer: 'support',
    cause: 'Something sent response_type=id_token; iLOGON_MHA only uses the authorization-code flow, so this is not a set-up mistake.',
    steps: ['Leave "ID tokens" (implicit grant) unchecked in Entra.', 'Contact iLOGON_MHA support with the trace and correlation IDs.'],
    ja: {
      title: '認可エンドポイントに ID トークンが要求されました（暗黙的フロー）',
      cause: 'どこかから response_type=id_token が送られました。iLOGON_MHA は認可コード フローだけを使うので、セットアップの誤りではありません。',
      steps: [
        'Entra の「ID tokens」（ID トークン、暗黙的な許可）はオフのままにします。',
        'トレース ID と相関 ID を添えて、iLOGON_MHA サポートに連絡します。',
      ],
    },
  },
  {
    codes: ['50105'],
    title: 'The user is not assigned to the app',
    fixer: 'admin',
    cause: '"Assignment required" is on for iLOGON_MHA and neither the user nor a group they are in is assigned.',
    steps: [
      'In the Microsoft Entra admin center open Identity > Applications > Enterprise applications > iLOGON_MHA > Users and groups.',
      'Choose Add user/group and assign the user (or a group they are in).',
      'Or, to let everyone in the organization in, set Properties > Assignment required to No.',
    ],
    ja: {
      title: 'ユーザーがアプリに割り当てられていません',
      cause: 'iLOGON_MHA で「Assignment required」（割り当てが必要）がオンになっていて、ユーザーも、ユーザーが属するグループも割り当てられていません。',
      steps: [
        'Microsoft Entra 管理センターで「Identity」>「Applications」>「Enterprise applications」>「iLOGON_MHA」>「Users and groups」を開きます（日本語表示では「ID」>「アプリケーション」>「エンタープライズ アプリケーション」>「iLOGON_MHA」>「ユーザーとグループ」）。',
        '「Add user/group」（ユーザーまたはグループの追加）を選び、ユーザー（またはユーザーが属するグループ）を割り当てます。',
        '組織の全員にサインインを許す場合は、代わりに「Properties」（プロパティ）>「Assignment required」（割り当てが必要）を「No」（いいえ）にします。',
      ],
    },
  },
  {
    codes: ['65001'],
    title: 'Consent to the app has not been granted',
    fixer: 'admin',
    cause: 'Nobody has consented to iLOGON_MHA\'s permissions in this tenant, and users may not consent themselves.',
    steps: GRANT_CONSENT,
    ja: {
      title: 'アプリへの同意が付与されていません',
      cause: 'このテナントでは、まだ誰も iLOGON_MHA のアクセス許可に同意しておらず、ユーザーが自分で同意することもできません。',
      steps: GRANT_CONSENT_JA,
    },
  },
  {
    codes: ['90094'],
    title: 'Admin consent is required',
    fixer: 'admin',
    cause: 'The tenant blocks user consent, so an administrator must approve iLOGON_MHA once for everyone.',
    steps: GRANT_CONSENT,
    ja: {
      title: '管理者の同意が必要です',
      cause: 'テナントがユーザーによる同意をブロックしているため、管理者が組織全体のために一度 iLOGON_MHA を承認する必要があります。',
      steps: GRANT_CONSENT_JA,
    },
  },
  {
    codes: ['50020'],
    title: 'The account is from another tenant',
    fixer: 'admin',
    cause: 'A guest or a personal Microsoft account tried to sign in to an app that accepts only this organization.',
    steps: [
      'Ask the user to sign in with their account in this organization, or',
      'invite them as a guest: Identity > Users > Invite external user, then assign them to iLOGON_MHA.',
    ],
    ja: {
      title: 'アカウントが別のテナントのものです',
      cause: 'この組織のアカウントだけを受け付けるアプリに、ゲストまたは個人の Microsoft アカウントでサインインしようとしました。',
      steps: [
        'この組織のアカウントでサインインするよう、ユーザーに依頼します。または、',
        'ゲストとして招待します：「Identity」>「Users」>「Invite external user」（外部ユーザーを招待する）で招待し、iLOGON_MHA に割り当てます。',
      ],
    },
  },
  {
    codes: ['50034'],
    title: 'The user account does not exist in this directory',
    fixer: 'user',
    cause: 'A typo in the user name, or an account from another tenant than ENTRA_TENANT_ID ({tenantId}).',
    steps: ['Check the user name; check the user exists in this tenant (Identity > Users).'],
    ja: {
      title: 'ユーザー アカウントがこのディレクトリに存在しません',
      cause: 'ユーザー名の入力ミスか、ENTRA_TENANT_ID（{tenantId}）とは別のテナントのアカウントです。',
      steps: [
        'ユーザー名を確認し、そのユーザーがこのテナントに存在することを確かめます（「Identity」>「Users」）。',
      ],
    },
  },
  {
    codes: ['70011'],
    title: 'The requested scope is not valid',
    fixer: 'support',
    cause: 'iLOGON_MHA asked for a scope Entra does not accept; it sends only openid, profile and email.',
    steps: ['Contact iLOGON_MHA support with the trace and correlation IDs.'],
    ja: {
      title: '要求されたスコープが無効です',
      cause: 'iLOGON_MHA が、Entra の受け付けないスコープを要求しました。iLOGON_MHA が送るのは openid、profile、email だけです。',
      steps: [
        'トレース ID と相関 ID を添えて、iLOGON_MHA サポートに連絡します。',
      ],
    },
  },
  {
    codes: ['501481'],
    title: 'The PKCE code verifier did not match',
    fixer: 'support',
    cause: 'The sign-in\'s code verifier was lost or mixed up, for example several replicas without a shared store.',
    steps: ['With more than one replica, use a shared session store.', 'If it persists, contact iLOGON_MHA support with the trace and correlation IDs.'],
    ja: {
      title: 'PKCE のコード検証子が一致しませんでした',
      cause: 'サインインのコード検証子が失われたか、取り違えられました。たとえば、共有ストアなしで複数のレプリカを動かしている場合です。',
      steps: [
        'レプリカが複数ある場合は、共有のセッション ストアを使います。',
        'それでも続く場合は、トレース ID と相関 ID を添えて、iLOGON_MHA サポートに連絡します。',
      ],
    },
  },
  {
    codes: ['54005'],
    title: 'The authorization code was already redeemed',
    fixer: 'user',
    cause: 'The callback was loaded twice (reload, back button, or a bookmarked callback address).',
    steps: ['Start the sign-in again from the start page.'],
    ja: {
      title: '認可コードはすでに使われています',
      cause: 'コールバックが二度読み込まれました（再読み込み、戻るボタン、またはブックマークしたコールバックのアドレス）。',
      steps: [
        'スタート ページからサインインをやり直します。',
      ],
    },
  },
  {
    codes: ['50058'],
    title: 'The user is not signed in to Microsoft (silent sign-in failed)',
    fixer: 'user',
    cause: 'A silent sign-in (prompt=none) found no Entra session in this browser.',
    steps: ['Sign in interactively.'],
    ja: {
      title: 'ユーザーが Microsoft にサインインしていません（サイレント サインインの失敗）',
      cause: 'サイレント サインイン（prompt=none）で、このブラウザーに Entra のセッションが見つかりませんでした。',
      steps: [
        '対話的にサインインします。',
      ],
    },
  },
  {
    codes: ['50076', '50079', '53003', '53000'],
    title: 'Multi-factor authentication or Conditional Access stopped the sign-in',
    fixer: 'admin',
    cause: 'A policy of the tenant (MFA, MFA registration, a blocked location, or a compliant/managed device) applies; this is not a fault of iLOGON_MHA.',
    steps: [
      'In the Microsoft Entra admin center open Identity > Monitoring & health > Sign-in logs.',
      'Find the sign-in by its correlation ID and read which Conditional Access policy applied and why.',
    ],
    ja: {
      title: '多要素認証または条件付きアクセスによってサインインが止められました',
      cause: 'テナントのポリシー（MFA、MFA の登録、ブロックされた場所、準拠デバイスや管理対象デバイスの要求）が適用されています。iLOGON_MHA の不具合ではありません。',
      steps: [
        'Microsoft Entra 管理センターで「Identity」>「Monitoring & health」>「Sign-in logs」（監視と正常性 > サインイン ログ）を開きます。',
        '相関 ID でサインインを探し、どの条件付きアクセス ポリシーが、なぜ適用されたかを確認します。',
      ],
    },
  },
  {
    codes: ['50126'],
    title: 'Wrong user name or password',
    fixer: 'user',
    cause: 'The user typed a wrong user name or password.',
    steps: ['Try again, or reset the password (Identity > Users > Reset password).'],
    ja: {
      title: 'ユーザー名またはパスワードが間違っています',
      cause: 'ユーザーが間違ったユーザー名またはパスワードを入力しました。',
      steps: [
        'もう一度お試しください。または、パスワードをリセットします（「Identity」>「Users」>「Reset password」（パスワードのリセット））。',
      ],
    },
  },
];

const BY_CODE = new Map<string, EntraErrorEntry>(ENTRA_ERROR_TABLE.flatMap((e) => e.codes.map((c) => [c, e] as const)));

/**
 * The code whose catalogue keys hold the user's words for this code: the entry's first code, so the four
 * Conditional Access codes share one text. Unknown codes are returned as they are.
 */
export function catalogueCode(aadsts: string): string {
  return BY_CODE.get(aadsts)?.codes[0] ?? aadsts;
}

/** Every AADSTS code the table explains. */
export const MAPPED_AADSTS_CODES: readonly string[] = [...BY_CODE.keys()];

type Fallback = Omit<EntraErrorEntry, 'codes'>;
const TRY_AGAIN: Fallback = {
  title: 'Entra asked the user to sign in again',
  fixer: 'user',
  cause: 'The Entra session expired or needs interaction.',
  steps: ['Sign in interactively.'],
  ja: { title: 'Entra がもう一度サインインするよう求めました', cause: 'Entra のセッションが期限切れか、ユーザーの操作が必要です。', steps: ['対話的にサインインします。'] },
};
const WAIT_JA = ['1 分ほど待ちます。続く場合は、Microsoft 365 のサービス正常性のページを確認します。'];

// When there is no code we know, the OAuth `error` still says something useful. A Map: `error` is caller text
// (the callback's query), and an object would answer `constructor` or `__proto__` with Object's own members.
const BY_OAUTH_ERROR = new Map<string, Fallback>(
  Object.entries({
    access_denied: {
      title: 'Entra denied the sign-in',
      fixer: 'user',
      cause: 'The user cancelled, or a policy denied the request.',
      steps: ['Look the sign-in up by its correlation ID in Entra\'s Sign-in logs.'],
      ja: {
        title: 'Entra がサインインを拒否しました',
        cause: 'ユーザーが取り消したか、ポリシーによって要求が拒否されました。',
        steps: ['Entra の「Sign-in logs」（サインイン ログ）で、相関 ID からサインインを探します。'],
      },
    },
    consent_required: BY_CODE.get('65001')!,
    interaction_required: TRY_AGAIN,
    login_required: TRY_AGAIN,
    temporarily_unavailable: {
      title: 'Entra is temporarily unavailable',
      fixer: 'user',
      cause: 'An outage or throttling at Microsoft.',
      steps: ['Wait a minute; check the Microsoft 365 service health page if it persists.'],
      ja: { title: 'Entra は一時的に利用できません', cause: 'Microsoft 側の障害、またはスロットリングです。', steps: WAIT_JA },
    },
    server_error: {
      title: 'Entra had an internal error',
      fixer: 'user',
      cause: 'A transient failure at Microsoft.',
      steps: ['Wait a minute; check the Microsoft 365 service health page if it persists.'],
      ja: { title: 'Entra で内部エラーが発生しました', cause: 'Microsoft 側の一時的な障害です。', steps: WAIT_JA },
    },
  } satisfies Record<string, Fallback>),
);

const GENERIC: Fallback = {
  title: 'Entra reported an error this product has no specific advice for',
  fixer: 'admin',
  cause: 'See Entra\'s description of the code (help link) and the sign-in logs.',
  steps: ['Open the help link for this code.', 'Find the sign-in by its correlation ID in Identity > Monitoring & health > Sign-in logs.'],
  ja: {
    title: 'Entra がエラーを返しましたが、この製品にはこのエラーへの具体的な助言がありません',
    cause: 'このコードについての Entra の説明（ヘルプ リンク）と、サインイン ログを確認してください。',
    steps: ['このコードのヘルプ リンクを開きます。', '「Identity」>「Monitoring & health」>「Sign-in logs」（サインイン ログ）で、相関 ID からサインインを探します。'],
  },
};

// Built once: parseEntraError runs on every failed callback.
const TRACE_ID_IN_TEXT = new RegExp(`Trace ID: (${GUID_IN_TEXT.source})`, 'i');
const CORRELATION_ID_IN_TEXT = new RegExp(`Correlation ID: (${GUID_IN_TEXT.source})`, 'i');

type Source = Record<string, unknown> | URLSearchParams;

/**
 * Reads Entra's error fields from a callback query or a token/discovery error body. The ids are
 * taken from their own fields, or else from the description Entra appends them to.
 */
export function parseEntraError(source: Source): EntraError | undefined {
  const get = (name: string): string | undefined => {
    const v = source instanceof URLSearchParams ? source.get(name) : source[name];
    return typeof v === 'string' && v.length > 0 ? v.slice(0, 2000) : undefined;
  };
  const error = get('error');
  if (!error) return undefined;
  const description = get('error_description');
  const codes = source instanceof URLSearchParams ? source.get('error_codes') : source['error_codes'];
  const firstCode = Array.isArray(codes) ? codes[0] : typeof codes === 'string' ? codes.replace(/[[\]\s]/g, '').split(',')[0] : undefined;
  const aadsts =
    (typeof firstCode === 'number' || (typeof firstCode === 'string' && /^\d+$/.test(firstCode)) ? String(firstCode) : undefined) ??
    description?.match(/AADSTS(\d+)/)?.[1];
  const traceId = onlyGuid(get('trace_id')) ?? description?.match(TRACE_ID_IN_TEXT)?.[1];
  const correlationId = onlyGuid(get('correlation_id')) ?? description?.match(CORRELATION_ID_IN_TEXT)?.[1];
  const timestamp = onlyTimestamp(get('timestamp')) ?? description?.match(/Timestamp: (\d{4}-\d\d-\d\d[T ][0-9:.]+Z)/)?.[1];
  return {
    error: error.slice(0, 100),
    ...(description ? { description } : {}),
    ...(aadsts && aadsts.length <= 10 ? { aadsts } : {}),
    ...(traceId ? { traceId } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(timestamp ? { timestamp } : {}),
  };
}

// The ids are shown to users and copied into tickets: only accept the shapes Entra uses.
function onlyGuid(value: string | undefined): string | undefined {
  return value && isGuid(value) ? value : undefined;
}
function onlyTimestamp(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d\d-\d\d[T ][0-9:.]{5,20}Z$/.test(value) ? value : undefined;
}

/**
 * The table entry for a code, else the advice for the OAuth error, else the generic fallback: its title,
 * cause and steps in `locale` (English by default: the doctor, the logs and the README).
 */
export function explainEntraError(err: Pick<EntraError, 'error' | 'aadsts'>, locale: Locale = 'en'): AadstsExplanation {
  const entry = err.aadsts ? BY_CODE.get(err.aadsts) : undefined;
  const base: Fallback = entry ?? BY_OAUTH_ERROR.get(err.error) ?? GENERIC;
  const text: AdminText = locale === 'ja' ? base.ja : base;
  return {
    title: text.title,
    fixer: base.fixer,
    cause: text.cause,
    steps: text.steps,
    ...(err.aadsts ? { aadsts: err.aadsts } : {}),
    helpLink: entraHelpLink(err.aadsts),
    known: entry !== undefined,
  };
}

export function entraHelpLink(aadsts: string | undefined): string {
  return aadsts ? `https://login.microsoftonline.com/error?code=${encodeURIComponent(aadsts)}` : 'https://login.microsoftonline.com/error';
}

/** This deployment's values that steps refer to (`{redirectUri}` and friends). */
export interface StepValues {
  readonly redirectUri?: string;
  readonly postLogoutRedirectUri?: string;
  readonly clientId?: string;
  readonly tenantId?: string;
  readonly authorityHost?: string;
}

/**
 * Fills `{name}` placeholders with this deployment's values. Without a value, a remark about the current
 * value ("(now {tenantId})", in Japanese "（現在の値：{tenantId}）") is dropped and an address reads as its
 * recipe (BASE_URL/auth/callback).
 */
export function fillSteps(steps: readonly string[], values: StepValues): string[] {
  const fallback: Partial<Record<keyof StepValues, string>> = { redirectUri: 'BASE_URL/auth/callback', postLogoutRedirectUri: 'BASE_URL/' };
  const KEY = '(redirectUri|postLogoutRedirectUri|clientId|tenantId|authorityHost)';
  return steps.map((s) =>
    s
      .replace(new RegExp(`(?: \\(now \\{${KEY}\\}\\)|; now \\{${KEY}\\}| \\(\\{${KEY}\\}\\)|（現在の値：\\{${KEY}\\}）|（\\{${KEY}\\}）)`, 'g'), (m: string, ...rest: unknown[]) => {
        const k = rest.slice(0, 5).find((x) => x !== undefined) as keyof StepValues;
        if (values[k] !== undefined) return m;
        // A Japanese remark sits between a variable name and its particle ("ENTRA_TENANT_ID（…）に"): keep
        // the space ja.ts puts between ASCII and Japanese when it goes.
        const [offset, whole] = rest.slice(5) as [number, string];
        return m.startsWith('（') && /[\w]$/.test(whole.slice(0, offset)) && /^[^\s。、）]/.test(whole.slice(offset + m.length)) ? ' ' : '';
      })
      .replace(new RegExp(`\\{${KEY}\\}`, 'g'), (_m, k: keyof StepValues) => values[k] ?? fallback[k] ?? ''),
  );
}

/** English labels for reports (the error page takes them from the catalogue: `error.fixer.*`). */
export const FIXER_LABEL: Record<Fixer, string> = {
  user: 'the person signing in',
  admin: 'your Entra administrator',
  support: 'iLOGON_MHA support',
};
