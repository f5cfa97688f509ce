// @ts-check
/**
 * The verification landing page. It reads the link's fragment (`#action=confirm&code=…`), shows
 * what will happen, and calls Cognito only when a person presses the button: a mail scanner that
 * fetches the link gets static files, and one that runs the page without clicking changes nothing.
 *
 * It speaks Cognito's public JSON API (`AWSCognitoIdentityProviderService.ConfirmSignUp` …) with
 * unauthenticated calls, straight from the browser (Cognito answers CORS), or through the
 * SECRET_HASH endpoint for app clients that have a secret (`secretClients` in config.json).
 * No SDK: four small POSTs do not need one, and the page stays a few kilobytes.
 */
import { MESSAGES } from './messages.js';

/** @typedef {'confirm' | 'reset' | 'verify' | 'signin'} Action */
/** @typedef {{ action: Action, code: string, username: string, client: string, region: string, attribute: string, to: string, app: string, lang: string }} Link */
/**
 * Cognito's `Policies.PasswordPolicy` members, as DescribeUserPool returns them.
 * @typedef {{ MinimumLength?: number, RequireUppercase?: boolean, RequireLowercase?: boolean, RequireNumbers?: boolean, RequireSymbols?: boolean }} PasswordPolicy
 */
/**
 * config.json next to the page; every member optional.
 * @typedef {{ cognitoEndpoint?: string, secretClients?: Record<string, string>, appUrl?: string, passwordPolicy?: PasswordPolicy }} LandingConfig
 */

const ACTIONS = ['confirm', 'reset', 'verify', 'signin'];

/** Cognito's default policy, used when config.json gives none; Cognito checks again anyway. */
export const DEFAULT_PASSWORD_POLICY = { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true };

/** The special characters Cognito counts as symbols (its password policy documentation). */
const SYMBOLS = '^$*.[]{}()?-"!@#%&/\\,><\':;|_~`+= ';

/**
 * Reads the fragment. Returns undefined when something the action needs is missing (a mail app
 * that cut the link): the page then says so instead of failing at Cognito.
 * @param {string} hash `location.hash`
 * @returns {Link | undefined}
 */
export function parseLink(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const get = (/** @type {string} */ name) => (params.get(name) ?? '').trim();
  const action = /** @type {Action} */ (get('action'));
  const link = {
    action,
    code: get('code'),
    username: get('username'),
    client: get('client'),
    region: get('region'),
    attribute: get('attribute') || 'email',
    to: get('to'),
    app: get('app'),
    lang: get('lang'),
  };
  if (!ACTIONS.includes(action) || !link.code) return undefined;
  if ((action === 'confirm' || action === 'reset') && !(link.username && link.client && /^[a-z0-9-]{1,32}$/.test(link.region))) return undefined;
  return link;
}

/**
 * The rules of the policy the password does not meet yet (message keys), in display order.
 * @param {string} password
 * @param {PasswordPolicy} policy
 */
export function unmetPasswordRules(password, policy) {
  const unmet = [];
  if (password.length < (policy.MinimumLength ?? 8)) unmet.push('rule.length');
  if (policy.RequireLowercase && !/[a-z]/.test(password)) unmet.push('rule.lower');
  if (policy.RequireUppercase && !/[A-Z]/.test(password)) unmet.push('rule.upper');
  if (policy.RequireNumbers && !/[0-9]/.test(password)) unmet.push('rule.number');
  if (policy.RequireSymbols && ![...password].some((c) => SYMBOLS.includes(c))) unmet.push('rule.symbol');
  return unmet;
}

/**
 * What a Cognito error means for the person holding the link.
 * @param {{ name: string, message: string }} error
 * @returns {'expired' | 'mismatch' | 'already' | 'password' | 'limit' | 'network' | 'failed'}
 */
export function errorKind(error) {
  switch (error.name) {
    case 'ExpiredCodeException':
      return 'expired';
    case 'CodeMismatchException':
      return 'mismatch';
    case 'InvalidPasswordException':
      return 'password';
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return 'limit';
    case 'NetworkError':
      return 'network';
    case 'NotAuthorizedException':
      // ConfirmSignUp on a confirmed user: "User cannot be confirmed. Current status is CONFIRMED".
      return /status is CONFIRMED/i.test(error.message) ? 'already' : 'failed';
    default:
      return 'failed';
  }
}

/** `a***@example.com`: the page repeats an address only in this form after a resend. */
export function maskAddress(/** @type {string} */ address) {
  const at = address.indexOf('@');
  return at > 0 ? `${address[0]}***${address.slice(at)}` : address ? `***${address.slice(-2)}` : '';
}

/** The language: the one the email was written in, else the browser's, else English. */
export function pickLanguage(/** @type {string} */ fromLink, /** @type {readonly string[]} */ browser) {
  for (const tag of [fromLink, ...browser]) {
    const base = (tag || '').toLowerCase().split(/[-_]/)[0] ?? '';
    if (base in MESSAGES) return /** @type {keyof typeof MESSAGES} */ (base);
  }
  return 'en';
}

/**
 * One Cognito JSON API call. Rejects with `{ name, message }`: Cognito's error type (the part after
 * `#`, without the `:…` suffix some services add), or `NetworkError` when there was no answer.
 * @param {string} endpoint
 * @param {string} operation e.g. `ConfirmSignUp`
 * @param {Record<string, unknown>} body
 */
export async function callCognito(endpoint, operation, body) {
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(body),
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw { name: 'NetworkError', message: 'no answer' };
  }
  const text = await response.text();
  /** @type {any} */
  let json = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = {};
  }
  if (response.ok) return json;
  const type = String(json.__type || json.code || response.headers.get('x-amzn-errortype') || `HTTP ${response.status}`);
  throw { name: type.split('#').pop()?.split(':')[0] ?? type, message: String(json.message || json.Message || '') };
}

/**
 * Where this link's calls go: the SECRET_HASH endpoint for clients with a secret, else Cognito.
 * Calls made with an access token (VerifyUserAttribute) need no hash and always go to Cognito.
 */
export function endpointFor(/** @type {Link} */ link, /** @type {LandingConfig} */ config, withAccessToken = false) {
  const viaSecretEndpoint = withAccessToken ? undefined : config.secretClients?.[link.client];
  if (viaSecretEndpoint) return viaSecretEndpoint;
  return config.cognitoEndpoint || `https://cognito-idp.${link.region}.amazonaws.com/`;
}

/**
 * The access token Amplify keeps for this app client on this origin, if the app stores its
 * session in localStorage (Amplify's default). Only found when the page is served from the app's
 * own origin; elsewhere attribute verification deep-links into the app.
 */
export function findAccessToken(/** @type {string} */ clientId, /** @type {Storage | undefined} */ storage) {
  if (!storage) return undefined;
  // Links without a client id (an admin-made attribute change) use the one app session stored here.
  if (!clientId) {
    for (let i = 0; i < storage.length; i++) {
      const match = /^CognitoIdentityServiceProvider\.([^.]+)\.LastAuthUser$/.exec(storage.key(i) ?? '');
      if (match?.[1]) return findAccessToken(match[1], storage);
    }
    return undefined;
  }
  const prefix = `CognitoIdentityServiceProvider.${clientId}`;
  const user = storage.getItem(`${prefix}.LastAuthUser`);
  return (user && storage.getItem(`${prefix}.${user}.accessToken`)) || undefined;
}

/** The app URL with the link's data in the fragment, for the app to prefill (never the query). */
export function appDeepLink(/** @type {string} */ appUrl, /** @type {Link} */ link) {
  const fragment = new URLSearchParams({ action: link.action, code: link.code, username: link.username });
  if (link.action === 'verify') fragment.set('attribute', link.attribute);
  return `${appUrl.split('#')[0]}#${fragment}`;
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

/**
 * Draws the page for the link in `location.hash`. Nothing here calls Cognito: only the buttons'
 * click handlers do.
 * @param {{ root: HTMLElement, config: LandingConfig, hash: string, languages: readonly string[], storage?: Storage | undefined }} options
 */
export function renderPage({ root, config, hash, languages, storage }) {
  const link = parseLink(hash);
  const lang = pickLanguage(link?.lang ?? '', languages);
  /** @type {Record<string, string>} */
  const words = { ...MESSAGES.en, ...MESSAGES[lang] };
  document.documentElement.lang = lang;
  const app = link?.app ?? '';
  const t = (/** @type {string} */ key, /** @type {Record<string, string>} */ values = {}) =>
    (words[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? '');

  /** @param {string} tag @param {Record<string, string>} attributes @param {(Node | string)[]} children */
  const el = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  };
  /** @param {string} heading @param {(Node | string)[]} body @param {string} [state] */
  const show = (heading, body, state = 'ready') => {
    root.replaceChildren(el('h1', {}, heading), ...body);
    root.dataset.state = state;
    document.title = app ? `${heading} · ${app}` : heading;
  };
  const lead = (/** @type {string} */ key) => el('p', { class: 'lead' }, t(app ? key : `${key}NoApp`, { to: link?.to || link?.username || '', app }));
  const codeBox = () => el('p', { class: 'code', 'aria-label': t('code.label') }, link?.code ?? '');
  const continueButton = () =>
    config.appUrl ? [el('a', { class: 'button secondary', href: config.appUrl, rel: 'noreferrer' }, app ? t('continue', { app }) : t('continueNoApp'))] : [];

  /**
   * A button that calls Cognito on click, disabled while the call runs.
   * @param {string} label @param {() => Promise<void>} action
   */
  const actionButton = (label, action) => {
    const button = /** @type {HTMLButtonElement} */ (el('button', { type: 'button', class: 'button primary' }, label));
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = t('working');
      try {
        await action();
      } finally {
        button.disabled = false;
        button.textContent = label;
      }
    });
    return button;
  };

  if (!link) return show(t('broken.heading'), [el('p', {}, t('broken.lead'))], 'broken');
  const endpoint = endpointFor(link, config);

  /** The page for a refused call: expired or used codes get a "send a new code" action. */
  const showError = (/** @type {{ name: string, message: string }} */ error, /** @type {() => void} */ retry) => {
    const kind = errorKind(error);
    if (kind === 'already') return show(t('confirm.heading'), [el('p', {}, t('confirm.already')), ...continueButton()], 'done');
    if (kind === 'limit') return show(t('limit.heading'), [el('p', {}, t('limit.lead'))], 'limit');
    if (kind === 'network') return show(t('network.heading'), [el('p', {}, t('network.lead')), actionButton(t('network.retry'), async () => retry())], 'network');
    if ((kind === 'expired' || kind === 'mismatch') && (link.action === 'confirm' || link.action === 'reset')) {
      const resend = link.action === 'confirm' ? 'ResendConfirmationCode' : 'ForgotPassword';
      const status = el('p', { class: 'status', role: 'status' });
      const button = actionButton(t('resend.button'), async () => {
        try {
          await callCognito(endpoint, resend, { ClientId: link.client, Username: link.username });
          status.textContent = t('resend.done', { to: maskAddress(link.to) || '…' });
          root.dataset.state = 'resent';
          button.remove();
        } catch (/** @type {any} */ resendError) {
          const again = errorKind(resendError);
          status.textContent = again === 'limit' ? t('limit.lead') : again === 'network' ? t('network.lead') : t('resend.unavailable');
          root.dataset.state = 'resend-failed';
          if (again !== 'network') button.remove();
        }
      });
      return show(t(`${kind}.heading`), [el('p', {}, t(`${kind}.lead`)), button, status], kind);
    }
    return show(t('failed.heading'), [el('p', {}, t('failed.lead', { reason: error.name }))], 'failed');
  };

  if (link.action === 'confirm') {
    const draw = () =>
      show(t('confirm.heading'), [
        lead('confirm.lead'),
        actionButton(t('confirm.button'), async () => {
          try {
            await callCognito(endpoint, 'ConfirmSignUp', { ClientId: link.client, Username: link.username, ConfirmationCode: link.code });
            show(t('confirm.heading'), [el('p', {}, t('confirm.done')), ...continueButton()], 'done');
          } catch (/** @type {any} */ error) {
            showError(error, draw);
          }
        }),
        el('p', { class: 'note' }, t('scanner.note')),
      ]);
    return draw();
  }

  if (link.action === 'reset') {
    const policy = { ...DEFAULT_PASSWORD_POLICY, ...config.passwordPolicy };
    const draw = () => {
      const password = /** @type {HTMLInputElement} */ (el('input', { type: 'password', id: 'password', name: 'password', autocomplete: 'new-password', required: '' }));
      const repeat = /** @type {HTMLInputElement} */ (el('input', { type: 'password', id: 'repeat', name: 'repeat', autocomplete: 'new-password', required: '' }));
      const rules = ['rule.length', 'rule.lower', 'rule.upper', 'rule.number', 'rule.symbol'].filter(
        (rule) =>
          rule === 'rule.length' ||
          (rule === 'rule.lower' && policy.RequireLowercase) ||
          (rule === 'rule.upper' && policy.RequireUppercase) ||
          (rule === 'rule.number' && policy.RequireNumbers) ||
          (rule === 'rule.symbol' && policy.RequireSymbols),
      );
      const items = rules.map((rule) => el('li', { 'data-rule': rule }, t(rule, { n: String(policy.MinimumLength ?? 8) })));
      const problem = el('p', { class: 'problem', role: 'alert' });
      const submit = /** @type {HTMLButtonElement} */ (el('button', { type: 'submit', class: 'button primary' }, t('reset.button')));
      const update = () => {
        const unmet = new Set(unmetPasswordRules(password.value, policy));
        for (const item of items) item.classList.toggle('met', !unmet.has(/** @type {string} */ (item.getAttribute('data-rule'))));
        return unmet.size === 0;
      };
      password.addEventListener('input', () => {
        update();
        problem.textContent = '';
      });
      repeat.addEventListener('input', () => void (problem.textContent = ''));
      const form = el(
        'form',
        { novalidate: '' },
        el('label', { for: 'password' }, t('reset.password')),
        password,
        el('label', { for: 'repeat' }, t('reset.repeat')),
        repeat,
        el('p', { class: 'policy' }, t('reset.policy')),
        el('ul', { class: 'rules' }, ...items),
        problem,
        submit,
      );
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!update()) return void (problem.textContent = t('reset.refused'));
        if (password.value !== repeat.value) return void (problem.textContent = t('reset.mismatch'));
        problem.textContent = '';
        submit.disabled = true;
        submit.textContent = t('working');
        try {
          await callCognito(endpoint, 'ConfirmForgotPassword', { ClientId: link.client, Username: link.username, ConfirmationCode: link.code, Password: password.value });
          show(t('reset.heading'), [el('p', {}, t('reset.done')), ...continueButton()], 'done');
        } catch (/** @type {any} */ error) {
          submit.disabled = false;
          submit.textContent = t('reset.button');
          if (errorKind(error) === 'password') problem.textContent = t('reset.refused');
          else showError(error, draw);
        }
      });
      show(t('reset.heading'), [lead('reset.lead'), form]);
    };
    return draw();
  }

  if (link.action === 'verify') {
    const token = findAccessToken(link.client, storage);
    if (token) {
      const draw = () =>
        show(t('verify.heading'), [
          lead('verify.lead'),
          actionButton(t('verify.button'), async () => {
            try {
              await callCognito(endpointFor(link, config, true), 'VerifyUserAttribute', { AccessToken: token, AttributeName: link.attribute, Code: link.code });
              show(t('verify.heading'), [el('p', {}, t('verify.done')), ...continueButton()], 'done');
            } catch (/** @type {any} */ error) {
              showError(error, draw);
            }
          }),
        ]);
      return draw();
    }
    const open = config.appUrl ? [el('a', { class: 'button primary', href: appDeepLink(config.appUrl, link), rel: 'noreferrer' }, t('verify.openApp'))] : [];
    return show(t('verify.heading'), [lead('verify.lead'), el('p', {}, t('verify.needsSession')), codeBox(), ...open], 'needs-session');
  }

  // Sign-in (email OTP): Cognito ties the code to the session that asked for it, in another tab
  // or app. The page can only hand the code back to the app on this device.
  const open = config.appUrl
    ? [el('a', { class: 'button primary', href: appDeepLink(config.appUrl, link), rel: 'noreferrer' }, t('signin.openApp')), el('p', { class: 'note' }, t('signin.sameDevice'))]
    : [];
  return show(t('signin.heading'), [el('p', {}, t('signin.lead')), codeBox(), ...open], 'signin');
}

/** Loads config.json (next to the page; absent means defaults) and draws the page. */
export async function start() {
  const root = document.getElementById('app');
  if (!root) return;
  /** @type {LandingConfig} */
  let config = {};
  try {
    const response = await fetch(new URL('config.json', location.href), { credentials: 'omit', cache: 'no-cache' });
    if (response.ok) config = await response.json();
  } catch {
    config = {};
  }
  let storage;
  try {
    storage = window.localStorage;
  } catch {
    storage = undefined;
  }
  const draw = () => renderPage({ root, config, hash: takeFragment(), languages: navigator.languages ?? [navigator.language], storage });
  draw();
  // Another link opened in this tab (a hash change) redraws; nothing is sent.
  window.addEventListener('hashchange', draw);
}

const FRAGMENT_KEY = 'cognito-relay-link';

/**
 * The link's fragment, taken out of the address bar (so the code does not linger in history,
 * synced tabs or screenshots) and kept for this tab only, so a reload still works.
 */
function takeFragment() {
  if (location.hash.length > 1) {
    const hash = location.hash;
    try {
      sessionStorage.setItem(FRAGMENT_KEY, hash);
      history.replaceState(null, '', location.pathname + location.search);
    } catch {
      // Storage refused (private mode settings): keep the fragment where it is.
    }
    return hash;
  }
  try {
    return sessionStorage.getItem(FRAGMENT_KEY) ?? '';
  } catch {
    return '';
  }
}

// In a browser, draw at once; imported elsewhere (unit tests), only the functions above are used.
if (typeof document !== 'undefined') void start();
