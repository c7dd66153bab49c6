// Starts telegram-test-api 4.2.1 (pinned in package.json) with the fixes python-telegram-bot 22 needs
// (see /work/shared/reference/e2e.md). Usage: node launcher.js --port PORT [--host 127.0.0.1]
// Prints "listening PORT" on stdout once it accepts connections.
//
// The fixes, each where the package goes wrong:
//  1. getMe omits is_bot                      -> getMe answers a complete User.
//  2. sendMessage dates are milliseconds      -> every message date is in seconds.
//  3. callback_query lacks chat_instance, and the client's messages lack message_id/date/is_bot
//                                             -> formatUpdate fills what the Bot API always sends (a
//                                                pressed message as stored: its text and keyboard).
//  4. getUpdates ignores timeout and offset   -> real long polling: confirmed updates (< offset) are
//                                                dropped, the call waits up to `timeout` seconds.
//  5. editMessageText / answerCallbackQuery answer null, and the user never sees an edit
//                                             -> they answer the edited Message / true; the edit is
//                                                stored (edited: true) and answered callbacks are kept
//                                                (client route /getAnsweredCallbacks).
//  6. a failed webhook delivery is an unhandled rejection that kills Node 20
//                                             -> delivery errors are caught and reported to the client
//                                                call that caused them (HTTP 502); the webhook also gets
//                                                the X-Telegram-Bot-Api-Secret-Token header it was set with.
// Also: stubs for sendChatAction, setMyCommands, getMyCommands, deleteMyCommands, getWebhookInfo.
'use strict';

const axios = require('axios');
const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes/index');

const BOT = { id: 666, is_bot: true, first_name: 'Tongxing Test', username: 'TestNameBot',
  can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false };

function argument(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

function parsed(value) {
  if (typeof value !== 'string') return value;
  try { return JSON.parse(value); } catch (_error) { return value; }
}

function params(req) {
  return { ...req.query, ...req.body };
}

function seconds() {
  return Math.floor(Date.now() / 1000);
}

function botMessage(update) {
  const message = update.message;
  const shown = {
    message_id: update.messageId,
    date: Math.floor(update.time / 1000),
    chat: { id: Number(message.chat_id), type: 'private', first_name: 'Parent' },
    from: BOT,
    text: message.text,
  };
  if (message.reply_markup && 'inline_keyboard' in message.reply_markup) {
    shown.reply_markup = message.reply_markup;
  }
  if (update.editDate) shown.edit_date = update.editDate;
  return shown;
}

function userMessage(message, messageId) {
  const filled = { ...message, message_id: message.message_id || messageId, date: message.date || seconds() };
  delete filled.botToken;
  filled.from = { is_bot: false, first_name: 'Parent', ...(message.from || {}) };
  filled.chat = { type: 'private', first_name: 'Parent', ...(message.chat || { id: filled.from.id }) };
  return filled;
}

let running = null; // the server, for formatUpdate (a static method)

// 3. What the Bot API always sends.
TelegramServer.formatUpdate = function formatUpdate(update) {
  if ('callbackQuery' in update) {
    const query = update.callbackQuery;
    const from = { is_bot: false, first_name: 'Parent', ...(query.from || {}) };
    // Telegram sends the pressed message as it is now (text, keyboard): the stored bot message.
    const pressed = query.message && running.storage.botMessages.find((stored) => stored.botToken === update.botToken
      && String(stored.messageId) === String(query.message.message_id));
    let message = pressed ? botMessage(pressed) : undefined;
    if (!message && query.message) {
      message = userMessage(query.message, update.messageId);
      message.from = BOT;
    }
    return {
      update_id: update.updateId,
      callback_query: {
        id: String(update.callbackId),
        from,
        message,
        chat_instance: String(message ? message.chat.id : from.id),
        data: query.data,
      },
    };
  }
  return { update_id: update.updateId, message: userMessage(update.message, update.messageId) };
};

// 6. Webhook delivery that cannot kill the process, with the secret header.
TelegramServer.prototype.addUserUpdate = async function addUserUpdate(update) {
  if (!update.botToken) throw new Error('The update must name its botToken.');
  const webhook = this.webhooks[update.botToken];
  this.updateId++;
  if (!webhook) {
    this.storage.userMessages.push(update);
    this.emit('QueuedUserUpdate');
    return;
  }
  const headers = {};
  if (webhook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret_token;
  try {
    await axios({ url: webhook.url, method: 'POST', data: TelegramServer.formatUpdate(update), headers,
      timeout: 60000 });
  } catch (error) {
    const status = error.response ? error.response.status : 'no answer';
    const failure = new Error(`webhook delivery failed: ${status}`);
    failure.http = 502;
    throw failure;
  }
};

function waitForUpdate(server, timeoutSeconds) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      server.off('QueuedUserUpdate', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, timeoutSeconds) * 1000);
    server.on('QueuedUserUpdate', done);
  });
}

function pendingFor(server, token, offset) {
  for (const update of server.storage.userMessages) {
    if (update.botToken === token && offset && update.updateId < offset) update.isRead = true;
  }
  return server.storage.userMessages.filter((update) => update.botToken === token && !update.isRead);
}

function botRoute(app, method, handler) {
  app.all(`/bot:token/${method}`, (req, res) => {
    Promise.resolve(handler(req.params.token, params(req), req))
      .then((result) => res.json({ ok: true, result }))
      .catch((error) => res.status(error.http || 400).json({
        ok: false, error_code: error.http || 400, description: `Bad Request: ${error.message}`,
      }));
  });
}

function clientRoute(app, path, handler) {
  app.post(path, (req, res) => {
    Promise.resolve(handler(req.body))
      .then((result) => res.json({ ok: true, result }))
      .catch((error) => res.status(error.http || 500).json({ ok: false, description: error.message }));
  });
}

function fixes(app, server) {
  server.commands = {};
  server.answeredCallbacks = [];

  botRoute(app, 'getMe', () => BOT); // 1
  botRoute(app, 'sendMessage', (token, body) => { // 2
    server.addBotMessage({ ...body }, token);
    return botMessage(server.storage.botMessages[server.storage.botMessages.length - 1]);
  });
  botRoute(app, 'getUpdates', async (token, body) => { // 4
    const offset = Number(body.offset || 0);
    let pending = pendingFor(server, token, offset);
    if (pending.length === 0) {
      await waitForUpdate(server, Number(body.timeout || 0));
      pending = pendingFor(server, token, offset);
    }
    const limit = Number(body.limit || 100);
    return pending.slice(0, limit).map((update) => TelegramServer.formatUpdate(update));
  });
  const edit = (token, body, change) => { // 5
    const update = server.storage.botMessages.find((stored) => stored.botToken === token
      && String(stored.messageId) === String(body.message_id)
      && String(stored.message.chat_id) === String(body.chat_id));
    if (!update) throw new Error('message to edit not found');
    change(update.message);
    update.edited = true;
    update.editDate = seconds();
    return botMessage(update);
  };
  botRoute(app, 'editMessageText', (token, body) => edit(token, body, (message) => {
    message.text = body.text;
    if (body.reply_markup) message.reply_markup = parsed(body.reply_markup);
    else delete message.reply_markup;
  }));
  botRoute(app, 'editMessageReplyMarkup', (token, body) => edit(token, body, (message) => {
    if (body.reply_markup) message.reply_markup = parsed(body.reply_markup);
    else delete message.reply_markup;
  }));
  botRoute(app, 'answerCallbackQuery', (token, body) => {
    server.answeredCallbacks.push({ token, ...body });
    return true;
  });
  botRoute(app, 'setWebhook', (token, body) => {
    if (!body.url) throw new Error('the webhook needs a url');
    server.setWebhook({ url: body.url, secret_token: body.secret_token }, token);
    return true;
  });
  botRoute(app, 'deleteWebhook', (token) => {
    server.deleteWebhook(token);
    return true;
  });
  botRoute(app, 'getWebhookInfo', (token) => {
    const webhook = server.webhooks[token];
    return { url: webhook ? webhook.url : '', has_custom_certificate: false, pending_update_count: 0 };
  });
  const commandKey = (token, body) => JSON.stringify([token, parsed(body.scope) || { type: 'default' },
    body.language_code || '']);
  botRoute(app, 'setMyCommands', (token, body) => {
    server.commands[commandKey(token, body)] = parsed(body.commands);
    return true;
  });
  botRoute(app, 'getMyCommands', (token, body) => server.commands[commandKey(token, body)] || []);
  botRoute(app, 'deleteMyCommands', (token, body) => {
    delete server.commands[commandKey(token, body)];
    return true;
  });
  botRoute(app, 'sendChatAction', () => true);
  // sendDocument comes as multipart/form-data, which the package cannot read: the fields and the
  // file's text are taken from the raw body, and the document is stored like a message.
  app.post('/bot:token/sendDocument', (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const field = (name) => {
        const found = raw.match(new RegExp(`name="${name}"(?:; filename="([^"]*)")?[^\\r]*\\r\\n`
          + `(?:[^\\r]*\\r\\n)*?\\r\\n([\\s\\S]*?)\\r\\n--`));
        return found ? { fileName: found[1], value: found[2] } : null;
      };
      const chatId = field('chat_id');
      const document = field('document');
      if (!chatId || !document) {
        res.status(400).json({ ok: false, error_code: 400, description: 'Bad Request: chat_id and document' });
        return;
      }
      const markup = field('reply_markup');
      const body = { chat_id: chatId.value, text: undefined,
        document: { file_name: document.fileName, text: document.value.replace(/^\ufeff/, '') } };
      if (markup) body.reply_markup = parsed(markup.value);
      server.addBotMessage(body, req.params.token);
      const stored = server.storage.botMessages[server.storage.botMessages.length - 1];
      const shown = botMessage(stored);
      delete shown.text;
      shown.document = { file_id: `doc${stored.messageId}`, file_unique_id: `doc${stored.messageId}`,
        file_name: document.fileName, mime_type: 'text/plain' };
      res.json({ ok: true, result: shown });
    });
  });

  // The user's side: answered once the update is queued (polling) or delivered (webhook).
  const sent = (kind, body) => {
    const messageId = server.messageId;
    const updateId = server.updateId;
    const call = kind === 'callback' ? server.addUserCallback(body)
      : kind === 'command' ? server.addUserCommand(body) : server.addUserMessage(body);
    return call.then(() => ({ update_id: updateId, message_id: messageId }));
  };
  clientRoute(app, '/sendMessage', (body) => sent('message', body));
  clientRoute(app, '/sendCommand', (body) => sent('command', body));
  clientRoute(app, '/sendCallback', (body) => sent('callback', body));
  clientRoute(app, '/getAnsweredCallbacks', (body) => server.answeredCallbacks
    .filter((answer) => answer.token === body.token));
}

routes.unshift(fixes);

const host = argument('host', '127.0.0.1');
const port = Number(argument('port', '9000'));
const server = new TelegramServer({ host, port, storeTimeout: 3600 });
running = server;
process.on('unhandledRejection', (error) => console.error(`unhandled: ${error}`));
server.start().then(() => console.log(`listening ${port}`));
const stop = () => server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
