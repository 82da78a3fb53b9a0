// The command-line front of both daemons (edgectl, mgmtctl): words the operator types map to one
// control command; --key value flags become JSON arguments (a repeated flag becomes a list); one
// bare value may fill a named argument. The daemon validates; the CLI only parses and formats.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/command/command.h"
#include "core/config.h"
#include "core/status.h"

namespace core {

struct CliCommand {
  const char* words;       // what the operator types: "subscriber add"
  const char* command;     // the control command: "subscriber-add"; "" = `call COMMAND [JSON]`
  const char* usage;
  const char* help;
  const char* positional;  // argument name for a bare value (e.g. "username"), or nullptr
  std::string ranges;      // the integer arguments' ranges, from the spec: "--limit 1..100000", or ""
};

// A CLI's commands from its daemon's command table (core/command/command.h): words, usage, help and
// the positional argument of each spec, then "commands" (list-commands). A cliOnly spec is handled
// by the CLI ("call COMMAND [JSON]" has command ""). The specs must outlive the result.
std::vector<CliCommand> cliCommands(const std::vector<command::Spec>& specs);

// The options before and around the command: --socket PATH (before the command; default $socketEnv,
// then defaultSocket), --json anywhere, --help / -h / help first.
struct CliGlobal {
  std::string socketPath;
  bool json = false;
  bool help = false;
  std::vector<std::string> words;  // the command and its own arguments
};
Result<CliGlobal> parseCliGlobal(int argc, char** argv, const std::string& program, const char* socketEnv,
                                 const std::string& defaultSocket);

struct CliInvocation {
  const CliCommand* spec = nullptr;
  std::string command;
  Json arguments = Json::object();
};

// Longest match of the command words, then the flags. Errors are worded for the operator and start
// with the program name.
Result<CliInvocation> parseCli(const std::vector<CliCommand>& commands, const std::vector<std::string>& words,
                               const std::string& program);

// "usage: PROGRAM [--socket PATH] [--json] COMMAND [OPTIONS]" with the description and every command.
void printCliUsage(FILE* out, const std::string& program, const std::string& description,
                   const std::string& defaultSocket, const std::vector<CliCommand>& commands);

// The exit status for a daemon's answer {"result": ..., "code": ...}: 0 when it succeeded, else the
// code's (command::exitStatus: 1 refused, 3 unavailable, 4 internal).
int cliExitStatus(const Json& reply);

// A JSON value as plain text ("" for null, strings without quotes).
std::string jsonText(const Json& v);
// Rows (objects) as an aligned table with the given columns (key, title).
void printTable(const Json& rows, const std::vector<std::pair<const char*, const char*>>& columns);
// 3725 -> "1h 2m 5s"; 1536 -> "1.5 KiB": for people (--json has exact numbers).
std::string humanDuration(int64_t seconds);
std::string humanBytes(uint64_t bytes);

}  // namespace core
