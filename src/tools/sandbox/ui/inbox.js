// The inbox page: the form that fires a trigger, the feed of invocations and messages, and the
// detail of one (the delivered email or SMS, the handler's log lines and timings).
import { api, clear, clock, emailFrame, events, fitted, h, kib, ms, renderTopbar, toast } from '/common.js';

const SENT_BY = {
  SignUp: 'Sent after SignUp and managed-login sign-up.',
  ResendCode: 'Sent after ResendConfirmationCode.',
  ForgotPassword: 'Sent after ForgotPassword.',
  UpdateUserAttribute: 'Sent after (Admin)UpdateUserAttributes changes an email or phone.',
  VerifyUserAttribute: 'Sent after GetUserAttributeVerificationCode.',
  AdminCreateUser: 'Sent after AdminCreateUser: the code is the temporary password.',
  Authentication: 'Sent at sign-in: email or SMS one-time code / MFA code.',
  AccountTakeOverNotification: 'Sent by threat protection about a risky sign-in. No code.',
};
const STORAGE_KEY = 'cognito-relay-sandbox.form';

const $ = (selector) => document.querySelector(selector);
let state;
let invocations = [];
let loose = [];
let selected;

function kvRow(container, key = '', value = '') {
  const row = h('div', { class: 'kv-row' },
    h('input', { type: 'text', placeholder: 'name', value: key, 'aria-label': 'name', spellcheck: 'false' }),
    h('input', { type: 'text', placeholder: 'value', value, 'aria-label': 'value', spellcheck: 'false' }),
    h('button', { type: 'button', class: 'icon-button', title: 'Remove', 'aria-label': 'Remove', onclick: () => row.remove() }, '✕'));
  container.append(row);
  return row;
}

function kvValues(container) {
  const out = {};
  for (const row of container.querySelectorAll('.kv-row')) {
    const [key, value] = [...row.querySelectorAll('input')].map((input) => input.value.trim());
    if (key) out[key] = value;
  }
  return out;
}

function selectedTrigger() {
  return state.triggers.find((t) => t.source === $('#trigger').value) ?? state.triggers[0];
}

function updateFormForTrigger() {
  const trigger = selectedTrigger();
  const ato = trigger.name === 'AccountTakeOverNotification';
  $('#ato-box').hidden = !ato;
  // ATO carries no code: keep what the user typed for the other triggers, show why it is empty.
  const code = $('#code');
  if (ato && !code.disabled) {
    code.dataset.kept = code.value;
    code.value = '';
  } else if (!ato && code.disabled) {
    code.value = code.dataset.kept ?? '';
  }
  code.disabled = ato;
  $('#code-label').textContent = trigger.codeIsTemporaryPassword ? 'Temporary password' : 'Code';
  $('#code').placeholder = ato ? 'none (null)' : trigger.codeIsTemporaryPassword ? 'random password' : 'random 6 digits';
  $('#trigger-hint').textContent = SENT_BY[trigger.name] ?? '';
  const target = state.channels[trigger.channel];
  $('#fire-label').textContent = target.local
    ? `Send ${trigger.channel === 'email' ? 'email' : 'SMS'} to the sandbox`
    : `Send through ${target.provider}`;
}

function saveForm() {
  const form = {
    trigger: $('#trigger').value,
    email: $('#email').value,
    phone: $('#phone').value,
    givenName: $('#given-name').value,
    locale: $('#locale').value,
    username: $('#username').value,
    attributes: kvValues($('#attributes')),
    metadata: kvValues($('#metadata')),
  };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(form));
}

function restoreForm() {
  let form;
  try {
    form = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
  } catch {
    form = null;
  }
  if (!form) return;
  if (state.triggers.some((t) => t.source === form.trigger)) $('#trigger').value = form.trigger;
  $('#email').value = form.email ?? '';
  $('#phone').value = form.phone ?? '';
  $('#given-name').value = form.givenName ?? '';
  $('#locale').value = form.locale ?? '';
  $('#username').value = form.username ?? '';
  for (const [key, value] of Object.entries(form.attributes ?? {})) kvRow($('#attributes'), key, value);
  for (const [key, value] of Object.entries(form.metadata ?? {})) kvRow($('#metadata'), key, value);
}

function buildForm() {
  const select = $('#trigger');
  for (const channel of ['email', 'sms']) {
    const group = h('optgroup', { label: channel === 'email' ? 'Email · CustomEmailSender' : 'SMS · CustomSMSSender' });
    for (const trigger of state.triggers.filter((t) => t.channel === channel)) {
      group.append(h('option', { value: trigger.source }, `${trigger.name}`));
    }
    select.append(group);
  }
  for (const locale of state.locales) $('#locales').append(h('option', { value: locale }));
  // relay.config.json's profiles, when the relay has the file.
  if (state.profiles?.length) {
    $('#profile-field').hidden = false;
    for (const profile of state.profiles) $('#profile').append(h('option', { value: profile }, profile));
  }
  restoreForm();
  select.addEventListener('change', updateFormForTrigger);
  $('#add-attribute').addEventListener('click', () => kvRow($('#attributes')).querySelector('input').focus());
  $('#add-metadata').addEventListener('click', () => kvRow($('#metadata')).querySelector('input').focus());
  $('#fire-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void fire();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void fire();
    }
  });
  updateFormForTrigger();

  renderEnv();
}

/** The function box under the form, with the last rebuild's error while it stands. */
function renderEnv() {
  const bundle = state.bundle;
  const failed = state.lastBuild && !state.lastBuild.ok ? state.lastBuild : undefined;
  $('#pipeline-hint').replaceChildren(
    'Encrypted exactly as Cognito does (ESDK v1, suite 0x0378, ', h('code', {}, 'userpool-id'), '), then handled by ', h('code', {}, 'dist/lambda/index.mjs'), ', the bundle that ships.');
  clear($('#env-box'),
    h('strong', {}, 'Function'),
    h('dl', {},
      h('dt', {}, 'Bundle'), h('dd', {}, `${kib(bundle.sizeBytes)}${bundle.builtAt ? `, built ${clock(bundle.builtAt)}` : ''}${bundle.stale ? ' (older than the sources)' : ''}`),
      h('dt', {}, 'Runtime'), h('dd', {}, `Node ${state.function.node}, own process, timeout ${state.function.timeoutMs / 1000} s`),
      h('dt', {}, 'KMS key'), h('dd', { class: 'mono' }, state.keyArn),
      h('dt', {}, 'User pool'), h('dd', { class: 'mono' }, state.userPoolId),
      h('dt', {}, 'SMTP'), h('dd', { class: 'mono' }, state.smtpUrl),
      state.cognitoLocal ? [h('dt', {}, 'cognito-local'), h('dd', { class: 'mono', id: 'env-cognito-local' }, state.cognitoLocal.url)] : null),
    state.notes.map((note) => h('p', { class: 'callout callout-warn' }, note)),
    failed ? h('div', { class: 'callout callout-bad', id: 'build-error' },
      h('strong', {}, 'The last rebuild failed; the previous bundle keeps running.'),
      h('pre', { class: 'build-error' }, failed.message)) : null);
}

async function fire() {
  const button = $('#fire');
  if (button.disabled) return;
  const trigger = selectedTrigger();
  const attributes = { ...kvValues($('#attributes')) };
  if ($('#email').value.trim()) attributes.email = $('#email').value.trim();
  if ($('#phone').value.trim()) attributes.phone_number = $('#phone').value.trim();
  if ($('#given-name').value.trim()) attributes.given_name = $('#given-name').value.trim();
  if ($('#locale').value.trim()) attributes.locale = $('#locale').value.trim();
  const body = {
    triggerSource: trigger.source,
    userName: $('#username').value.trim(),
    attributes,
    clientMetadata: kvValues($('#metadata')),
    code: $('#code').disabled ? '' : $('#code').value.trim(),
    ...($('#profile').value ? { profile: $('#profile').value } : {}),
  };
  if (trigger.name === 'AccountTakeOverNotification') {
    body.riskAttributes = {
      ACCOUNT_TAKE_OVER_ACTION: $('#ato-action').value,
      IP_ADDRESS: $('#ato-ip').value.trim(),
      CITY: $('#ato-city').value.trim(),
      COUNTRY: $('#ato-country').value.trim(),
    };
  }
  saveForm();
  const label = $('#fire-label').textContent;
  button.disabled = true;
  button.replaceChildren(h('span', { class: 'spinner' }), 'Invoking the handler…');
  try {
    const record = await api('/api/invoke', body);
    selected = `inv-${record.id}`;
    await refresh();
  } catch (error) {
    toast(error.message, 'bad');
  } finally {
    button.disabled = false;
    button.replaceChildren(h('span', { id: 'fire-label' }, label), ' ', h('span', { class: 'kbd' }, 'Ctrl ↵'));
  }
}

// ---------------------------------------------------------------------------------------------
// Feed

function feedItems() {
  const items = invocations.map((record) => ({ key: `inv-${record.id}`, at: record.at, record }));
  for (const message of loose) items.push({ key: `${message.kind}-${message.id}`, at: message.receivedAt, message });
  return items.sort((a, b) => (a.at < b.at ? 1 : -1));
}

function describeItem(item) {
  if (item.message) {
    const m = item.message;
    return m.kind === 'email'
      ? { icon: 'email', title: m.subject || '(no subject)', sub: `${m.to} · received on the SMTP port` }
      : { icon: 'sms', title: m.body, sub: `${m.to} · received on the SMS API` };
  }
  const r = item.record;
  const timing = `${ms(r.timings.durationMs)}${r.coldStart ? ' · cold start' : ''}`;
  const trigger = r.origin === 'cognito-local' ? `${r.trigger} by cognito-local` : r.trigger;
  if (!r.ok) return { icon: 'failed', title: `${r.trigger} failed`, sub: r.error ? `${r.error.name}: ${r.error.message}` : 'failed', failed: true };
  const email = r.emails[0];
  const sms = r.sms[0];
  if (email) return { icon: 'email', title: email.subject || '(no subject)', sub: `${email.to} · ${trigger} · ${timing}` };
  if (sms) return { icon: 'sms', title: sms.body, sub: `${sms.to} · ${trigger} · ${timing}` };
  return { icon: r.channel, title: `${r.trigger} sent through ${r.delivered?.provider ?? 'the provider'}`, sub: `${r.recipient ?? ''} · ${timing}` };
}

function renderFeed() {
  const items = feedItems();
  $('#feed-count').textContent = String(items.length);
  const list = $('#feed');
  if (items.length === 0) {
    clear(list, h('li', { class: 'empty' }, h('strong', {}, 'Nothing here yet'), 'Fire a trigger to see exactly what your users would receive.'));
    clear($('#detail'), h('div', { class: 'empty' }, h('strong', {}, 'No message selected'), 'Pick a trigger on the left and press Send.'));
    return;
  }
  if (!selected || !items.some((item) => item.key === selected)) selected = items[0].key;
  clear(list, items.map((item) => {
    const d = describeItem(item);
    const label = d.icon === 'sms' ? 'SMS' : d.icon === 'failed' ? '!' : '@';
    return h('li', {
      class: `feed-item${item.key === selected ? ' selected' : ''}${d.failed ? ' failed' : ''}`,
      dataset: { key: item.key },
      tabindex: '0',
      onclick: () => select(item.key),
      onkeydown: (event) => event.key === 'Enter' && select(item.key),
    },
    h('span', { class: `feed-icon ${d.icon}`, 'aria-hidden': 'true' }, label),
    h('span', { class: 'feed-title' }, d.title),
    h('span', { class: 'feed-time' }, clock(item.at)),
    h('span', { class: 'feed-sub' }, d.sub));
  }));
  renderDetail(items.find((item) => item.key === selected));
}

function select(key) {
  selected = key;
  renderFeed();
}

// ---------------------------------------------------------------------------------------------
// Detail

function tabs(definitions) {
  const panel = h('div', { class: 'tab-panel' });
  const buttons = definitions.map((definition, index) => h('button', {
    type: 'button',
    class: `tab${index === 0 ? ' active' : ''}`,
    role: 'tab',
    onclick: (event) => {
      for (const b of buttons) b.classList.remove('active');
      event.currentTarget.classList.add('active');
      clear(panel, definition.render());
    },
  }, definition.label));
  clear(panel, definitions[0].render());
  return [h('div', { class: 'tabs', role: 'tablist' }, buttons), panel];
}

function htmlPreview(html) {
  const stage = h('div', { class: 'frame-stage' });
  const show = (width) => clear(stage, width ? fitted(emailFrame(html, { width, height: 620 }), width) : emailFrame(html, { height: 620 }));
  const sizes = [['Desktop', 600], ['Mobile', 375], ['Fit', undefined]];
  const buttons = sizes.map(([label, width], index) => h('button', {
    type: 'button',
    class: index === 0 ? 'active' : '',
    onclick: (event) => {
      for (const b of buttons) b.classList.remove('active');
      event.currentTarget.classList.add('active');
      show(width);
    },
  }, width ? `${label} ${width}px` : label));
  show(600);
  return [h('div', { class: 'segmented' }, buttons), stage];
}

/** One pill per part of this message (HTML, text, SMS), from the server's check of every part. */
function codeCheck(record, messageId, kinds) {
  if (!record || record.code === null) return null;
  const parts = (record.codeCheck?.parts ?? []).filter((part) => part.messageId === messageId && kinds.includes(part.part));
  return h('div', { class: 'code-check' },
    h('span', {}, record.trigger === 'AdminCreateUser' ? 'Temporary password sent' : 'Code sent'),
    h('code', {}, record.code),
    parts.map((part) => h('span', { class: `pill ${part.found ? 'pill-ok' : 'pill-bad'}`, 'data-part': part.part },
      `${part.found ? '✓' : '✗'} ${part.found ? 'in' : 'not in'} the ${kinds.length > 1 ? part.part.replace('email ', '') : 'message'}`)));
}

function emailCard(email, record) {
  return h('article', { class: 'card message-card' },
    h('div', { class: 'card-head' },
      h('h1', { class: 'message-subject' }, email.subject || '(no subject)'),
      h('dl', { class: 'meta' },
        h('dt', {}, 'From'), h('dd', {}, email.from),
        h('dt', {}, 'To'), h('dd', {}, email.to),
        h('dt', {}, 'Received'), h('dd', {}, `${new Date(email.receivedAt).toLocaleString()} · ${kib(email.sizeBytes)}`)),
      record ? badges(record) : null,
      codeCheck(record, email.id, ['email HTML', 'email text'])),
    tabs([
      { label: 'HTML', render: () => (email.html ? htmlPreview(email.html) : h('p', { class: 'hint' }, 'This message has no HTML part.')) },
      { label: 'Text', render: () => h('pre', { class: 'text-part' }, email.text ?? '(no text part)') },
      { label: 'Headers', render: () => h('table', { class: 'headers-table' }, h('tbody', {}, email.headers.map((header) => h('tr', {}, h('td', {}, header.name), h('td', {}, header.value))))) },
      { label: 'Raw', render: () => h('p', {}, h('a', { href: `/api/emails/${email.id}/raw`, download: `sandbox-${email.id}.eml` }, 'Download the message as received (.eml)'), h('span', { class: 'hint' }, ' — open it in your mail client to see it there.')) },
    ]));
}

function smsCard(sms, record) {
  return h('article', { class: 'card message-card' },
    h('div', { class: 'card-head' },
      h('h1', { class: 'message-subject' }, `SMS to ${sms.to}`),
      h('dl', { class: 'meta' },
        h('dt', {}, 'From'), h('dd', {}, sms.from),
        h('dt', {}, 'SID'), h('dd', { class: 'mono' }, sms.sid)),
      record ? badges(record) : null,
      codeCheck(record, sms.id, ['SMS'])),
    h('div', { class: 'card-body' },
      h('div', { class: 'phone' },
        h('div', { class: 'phone-head' }, h('strong', {}, sms.from), 'Text message · now'),
        h('div', { class: 'bubble sms-body' }, sms.body),
        h('div', { class: 'sms-facts' }, `${[...sms.body].length} characters · ${sms.encoding} · ${sms.segments} segment${sms.segments === 1 ? '' : 's'}`))));
}

function badges(record) {
  return h('div', { class: 'badges' },
    h('span', { class: 'pill pill-accent' }, record.triggerSource),
    record.delivered?.locale ? h('span', { class: 'pill pill-plain' }, `locale ${record.delivered.locale}`) : null,
    record.delivered ? h('span', { class: 'pill pill-plain' }, `via ${record.delivered.provider}`) : null);
}

function logRow(line) {
  const json = line.json;
  const offset = h('span', { class: 'log-offset' }, `+${Math.round(line.offsetMs)}ms`);
  const level = h('span', { class: `level level-${line.level}` }, line.init ? `INIT` : line.level);
  if (!json) return h('li', { class: 'log' }, offset, level, h('div', { class: 'log-main mono' }, line.text));
  if (line.kind === 'metrics') {
    const metrics = (json._aws?.CloudWatchMetrics ?? []).flatMap((m) => m.Metrics.map((metric) => metric.Name));
    return h('li', { class: 'log' }, offset, h('span', { class: 'level level-METRICS' }, 'EMF'),
      h('details', { class: 'log-main' }, h('summary', {}, h('span', { class: 'log-message' }, `metrics: ${metrics.join(', ')}`)), h('pre', { class: 'json' }, JSON.stringify(json, null, 2))));
  }
  const skip = new Set(['level', 'message', 'timestamp', 'service', 'sampling_rate', 'xray_trace_id', 'function_arn', 'function_memory_size', 'function_name', 'function_request_id', 'cold_start']);
  const attributes = Object.entries(json).filter(([key]) => !skip.has(key)).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join('  ');
  return h('li', { class: 'log' }, offset, level,
    h('details', { class: 'log-main' },
      h('summary', {}, h('span', { class: 'log-message' }, String(json.message ?? '')), attributes ? h('div', { class: 'log-attrs' }, attributes) : null),
      h('pre', { class: 'json' }, JSON.stringify(json, null, 2))));
}

function invocationCard(record) {
  const t = record.timings;
  const report = `REPORT RequestId: ${record.requestId}  Duration: ${t.durationMs.toFixed(2)} ms  Billed Duration: ${Math.ceil(t.durationMs)} ms  Memory Size: 256 MB  Max Memory Used: ${t.maxMemoryMb ?? '–'} MB${t.initMs !== undefined ? `  Init Duration: ${t.initMs.toFixed(2)} ms` : ''}`;
  return h('article', { class: 'card invocation-card' },
    h('div', { class: 'card-head' },
      h('div', { class: 'section-title' },
        h('h2', {}, 'Invocation'),
        h('span', { class: `pill ${record.ok ? 'pill-ok' : 'pill-bad'}` }, record.ok ? 'succeeded' : 'failed')),
      h('p', { class: 'hint', style: 'margin:0' }, `${record.triggerSource} · request ${record.requestId}${record.origin === 'cognito-local' ? ' · called by cognito-local' : ''}`)),
    h('div', { class: 'card-body' },
      record.ok ? null : h('div', { class: 'error-box', role: 'alert' },
        h('strong', {}, `The handler raised ${record.error?.name ?? 'an error'}${record.error?.code ? ` (${record.error.code})` : ''}`),
        h('p', { class: 'error-message' }, record.error?.message ?? ''),
        h('small', {}, 'On AWS, Lambda would retry this event twice, then hand it to your dead-letter destination.')),
      h('div', { class: 'timings' },
        timing('Encrypt (Cognito)', record.origin === 'cognito-local' ? 'by cognito-local' : record.code === null ? 'no code' : ms(t.encryptMs)),
        t.initMs !== undefined ? timing('Init (cold start)', ms(t.initMs), 'cold') : timing('Start', 'warm'),
        timing('Handler duration', ms(t.durationMs)),
        timing('Round trip', ms(t.wallMs)),
        timing('Max memory', t.maxMemoryMb ? `${t.maxMemoryMb} MB` : '–')),
      h('div', { class: 'subhead' }, h('span', {}, `Log lines (${record.logs.length})`), h('span', { class: 'hint', style: 'margin:0' }, 'stdout of the function, as CloudWatch would get it')),
      h('ul', { class: 'logs' },
        record.logs.length === 0 ? h('li', { class: 'log' }, h('span', { class: 'log-offset' }), h('span'), h('span', { class: 'hint' }, 'The handler wrote nothing.')) : record.logs.map(logRow),
        h('li', { class: 'log report' }, h('span', { class: 'log-offset' }), h('span', { class: 'level level-REPORT' }, 'REPORT'), h('span', {}, report.replace(/^REPORT /, '')))),
      h('details', { class: 'text-toggle' },
        h('summary', {}, 'Event sent to the handler'),
        h('pre', { class: 'json' }, JSON.stringify(record.event, null, 2)))));
}

function timing(label, value, kind) {
  return h('div', { class: `timing${kind ? ` ${kind}` : ''}` }, h('span', {}, label), h('strong', {}, value));
}

function renderDetail(item) {
  const detail = $('#detail');
  if (!item) return clear(detail);
  if (item.message) {
    return clear(detail, item.message.kind === 'email' ? emailCard(item.message) : smsCard(item.message));
  }
  const record = item.record;
  const cards = [];
  for (const email of record.emails) cards.push(emailCard(email, record));
  for (const sms of record.sms) cards.push(smsCard(sms, record));
  if (record.ok && cards.length === 0) {
    cards.push(h('article', { class: 'card' }, h('div', { class: 'card-head' },
      h('h1', { class: 'message-subject' }, `Sent through ${record.delivered?.provider ?? 'your provider'}`),
      h('p', { class: 'hint', style: 'margin:0' }, `The provider accepted the message${record.delivered?.messageId ? ` (id ${record.delivered.messageId})` : ''}. It went to ${record.recipient ?? 'the recipient'} for real: look there.`),
      badges(record),
      record.code === null ? null : h('div', { class: 'code-check' }, h('span', {}, 'Code to look for'), h('code', {}, record.code)))));
  }
  clear(detail, cards, invocationCard(record));
}

// ---------------------------------------------------------------------------------------------
// Sign up through cognito-local: SignUp, then ConfirmSignUp with the code the inbox received.

async function busy(button, text, work) {
  if (button.disabled) return;
  const label = button.textContent;
  button.disabled = true;
  button.replaceChildren(h('span', { class: 'spinner' }), text);
  try {
    await work();
  } catch (error) {
    clear($('#cl-result'), h('p', { class: 'callout callout-bad', id: 'cl-error' }, error.message));
  } finally {
    button.disabled = false;
    button.replaceChildren(label);
  }
}

let lastLink;

function showUserStatus(status, invocation) {
  const local = state.cognitoLocal;
  // The email's link opens the sandbox's landing page, whose click confirms in cognito-local.
  const link = lastLink && status !== 'CONFIRMED'
    ? h('p', { class: 'cl-link' }, 'Or click through as the user would: ',
      h('a', { href: lastLink, target: '_blank', rel: 'noopener noreferrer', id: 'cl-link' }, 'open the link from the email'),
      ', confirm there, then ', h('button', { type: 'button', class: 'button cl-button', id: 'cl-refresh' }, 'check the status'), '.')
    : null;
  clear($('#cl-result'),
    invocation && !invocation.ok ? h('p', { class: 'callout callout-bad', id: 'cl-error' },
      `cognito-local created the user, but the function failed: ${invocation.error?.name ?? 'Error'}: ${invocation.error?.message ?? ''}. `,
      'Cognito would answer SignUp the same way: the user never learns the code did not go out.') : null,
    h('div', { class: 'cl-status' },
      h('span', {}, 'Status in cognito-local'),
      h('span', { class: `pill ${status === 'CONFIRMED' ? 'pill-ok' : 'pill-warn'}`, id: 'cl-status' }, status ?? 'unknown')),
    link,
    local ? h('p', { class: 'cl-endpoint' }, `cognito-local ${local.version} at `, h('code', { id: 'cl-endpoint' }, local.url), ` · pool `, h('code', {}, local.userPoolId), ` · client `, h('code', {}, local.clientId)) : null);
}

function signUpThroughCognitoLocal() {
  return busy($('#cl-signup'), state.cognitoLocal ? 'Signing up…' : 'Starting cognito-local…', async () => {
    clear($('#cl-result'));
    const result = await api('/api/cognito-local/sign-up', { email: $('#cl-email').value.trim(), password: $('#cl-password').value });
    state = await api('/api/state');
    renderEnv();
    $('#cl-confirm-box').hidden = false;
    $('#cl-code').value = result.code ?? '';
    lastLink = result.link;
    $('#cl-code-hint').textContent = result.code
      ? 'Read from the email in the inbox. Change it to see a wrong code refused.'
      : result.invocation?.ok ? 'Sent through your provider: type the code from the message.' : 'No code was delivered.';
    showUserStatus(result.status, result.invocation);
    if (result.invocation) selected = `inv-${result.invocation.id}`;
    await refresh();
  });
}

function refreshUserStatus() {
  return busy($('#cl-refresh'), 'Checking…', async () => {
    const result = await api('/api/cognito-local/status', { email: $('#cl-email').value.trim() });
    showUserStatus(result.status);
  });
}

function confirmThroughCognitoLocal() {
  return busy($('#cl-confirm'), 'Confirming…', async () => {
    const result = await api('/api/cognito-local/confirm', { email: $('#cl-email').value.trim(), code: $('#cl-code').value.trim() });
    showUserStatus(result.status);
  });
}

// ---------------------------------------------------------------------------------------------

async function refresh() {
  const [history, messages] = await Promise.all([api('/api/invocations'), api('/api/messages')]);
  invocations = history.invocations;
  loose = messages.messages;
  renderFeed();
}

async function main() {
  state = await api('/api/state');
  renderTopbar(state, 'inbox');
  buildForm();
  $('#cl-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void signUpThroughCognitoLocal();
  });
  $('#cl-confirm').addEventListener('click', () => void confirmThroughCognitoLocal());
  $('#cl-result').addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('#cl-refresh')) void refreshUserStatus();
  });
  // Enter in the code field confirms (the form's own Enter would sign up again).
  $('#cl-code').addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    void confirmThroughCognitoLocal();
  });
  $('#clear').addEventListener('click', async () => {
    await api('/api/clear', {});
    selected = undefined;
    await refresh();
  });
  $('#restart').addEventListener('click', async () => {
    await api('/api/restart', {});
    toast('The next invocation starts a new function process (cold start).');
  });
  await refresh();
  events({
    invocation: () => refresh(),
    message: () => refresh(),
    cleared: () => refresh(),
    'cognito-local': async () => {
      state = await api('/api/state');
      renderEnv();
    },
    bundle: async (data) => {
      if (data.state === 'building') toast('Templates changed: rebuilding the bundle…');
      else if (data.state === 'rebuilt') toast('Bundle rebuilt; the next call is a cold start.');
      else toast('The bundle did not build; the previous one keeps running.', 'bad');
      if (data.state !== 'building') {
        state = await api('/api/state');
        renderEnv();
      }
    },
  });
}

main().catch((error) => {
  document.body.append(h('div', { class: 'problems' }, `The sandbox page could not load: ${error.message}`));
});
