// The Weft VS Code extension: starts `weft lsp` (stdio) with vscode-languageclient for .flow files.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('weft');
  const command = config.get('server.path', 'weft');
  const serverOptions = {
    run: { command, args: ['lsp'], transport: TransportKind.stdio },
    debug: { command, args: ['lsp'], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'weft' }, { scheme: 'untitled', language: 'weft' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.flow') },
  };
  client = new LanguageClient('weft', 'Weft Language Server', serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand('weft.restartServer', async () => {
      if (client) await client.restart();
    }));
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
