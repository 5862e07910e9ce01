import * as vscode from 'vscode';

// vscode-languageclient writes each server log message as "[Info  - 3:46:57 PM] text" with
// appendLine; into a LogOutputChannel that became "[info] [Info  - 3:46:57 PM] text", every level
// at info. This channel reads the level back out of that prefix and logs the text at it.
const PREFIXED = /^\[(Trace|Debug|Info|Warn|Error)\s*- [^\]]*\] ([\s\S]*)$/;

/** An OutputChannel for the language client that logs through `log` at each message's own level. */
export function serverLogChannel(log: vscode.LogOutputChannel): vscode.OutputChannel {
  const write = (line: string): void => {
    const m = PREFIXED.exec(line);
    const text = m?.[2] ?? line;
    switch (m?.[1]) {
      case 'Error':
        return log.error(text);
      case 'Warn':
        return log.warn(text);
      case 'Debug':
        return log.debug(text);
      case 'Trace':
        return log.trace(text);
      default:
        return log.info(text);
    }
  };
  return {
    name: log.name,
    append: (value: string) => write(value),
    appendLine: (value: string) => write(value),
    replace: (value: string) => log.replace(value),
    clear: () => log.clear(),
    show: (columnOrPreserve?: vscode.ViewColumn | boolean, preserveFocus?: boolean) => (typeof columnOrPreserve === 'boolean' || columnOrPreserve === undefined ? log.show(columnOrPreserve) : log.show(columnOrPreserve, preserveFocus)),
    hide: () => log.hide(),
    // The log channel belongs to the extension's lifetime, not to one language client.
    dispose: () => undefined,
  };
}
