import { MessageType, NodeId } from '../core/types';
import { decode, entriesOfTerms, InstantNetwork, localMessage } from './instant-network';

/**
 * Golden scenario scripts (libs/raft/testdata/*.txt), after etcd's datadriven tests: each block is a command,
 * a line `----`, and the output the command must print (nothing for most commands that only act). Blocks are
 * separated by blank lines; lines starting with `#` are comments. The scripts double as documentation.
 *
 * Commands (all on an InstantNetwork, where messages are delivered at once until the cluster is quiet):
 *   nodes <id>... [preVote=false] [checkQuorum=false]   start a cluster of brand new nodes
 *   set-log <id> term=<t> log=<t1,t2,...> [commit=<c>]   replace what <id> has on disk, and restart it
 *   campaign <id> | hup <id> | tick <id> [n] | tick-all [n] | restart <id>
 *   propose <id> <text>           prints the result
 *   read <id> <context>           a ReadIndex request
 *   transfer <from> <to>          prints whether the transfer started
 *   compact <id>                  snapshot the applied state and compact the log up to it
 *   isolate <id> | cut <a> <b> | drop <MessageType> | heal
 *   status [<id>...]              role, term, leader, commit, applied, last index of each node
 *   logs [<id>...]                the terms of each node's persisted log ([snapshot index@term] first)
 *   applied <id>                  the commands <id> applied, in order (`-` for a no-op)
 *   reads <id>                    the read states <id> received
 *   sent <MessageType>            how many messages of that type were sent so far
 */
export interface ScriptBlock {
  readonly line: number;
  readonly command: string;
  readonly expected: string;
}

export function parseScript(text: string): ScriptBlock[] {
  const lines = text.split('\n');
  const blocks: ScriptBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    if (lines[i + 1]?.trim() !== '----') throw new Error(`line ${i + 1}: expected '----' after '${line}'`);
    const output: string[] = [];
    let j = i + 2;
    while (j < lines.length && lines[j].trim() !== '') output.push(lines[j++].trimEnd());
    blocks.push({ line: i + 1, command: line, expected: output.join('\n') });
    i = j;
  }
  return blocks;
}

/** Runs the commands of one script against one cluster; returns the output of each command. */
export class ScriptRunner {
  private net: InstantNetwork | null = null;

  run(command: string): string {
    const [name, ...args] = command.split(/\s+/);
    switch (name) {
      case 'nodes': {
        const ids = args.filter((a) => !a.includes('='));
        const options = Object.fromEntries(args.filter((a) => a.includes('=')).map((a) => a.split('=')));
        this.net = new InstantNetwork(ids, {
          configure: () => ({ preVote: options.preVote !== 'false', checkQuorum: options.checkQuorum !== 'false' }),
        });
        return '';
      }
      case 'set-log': {
        const [id, ...kv] = args;
        const fields = Object.fromEntries(kv.map((a) => a.split('=')));
        const node = this.network.node(id);
        const terms = fields.log ? fields.log.split(',').map(Number) : [];
        node.storage.hardState = { term: Number(fields.term), vote: '', commit: Number(fields.commit ?? 0) };
        node.storage.snapshot = null;
        node.storage.entries = entriesOfTerms(terms);
        this.network.restart(id);
        return '';
      }
      case 'campaign':
        this.network.campaign(args[0]);
        return '';
      case 'tick':
        this.network.tick(args[0], Number(args[1] ?? 1));
        return '';
      case 'tick-all':
        this.network.tickAll(Number(args[0] ?? 1));
        return '';
      case 'restart':
        this.network.restart(args[0]);
        this.network.stabilize();
        return '';
      case 'propose': {
        const result = this.network.propose(args[0], args.slice(1).join(' '));
        return result.accepted
          ? `accepted index=${result.index} term=${result.term}`
          : `refused ${result.reason} leader=${result.leader ?? 'none'}`;
      }
      case 'read':
        this.network.raft(args[0]).readIndex(args[1]);
        this.network.stabilize();
        return '';
      case 'transfer': {
        const started = this.network.raft(args[0]).transferLeadership(args[1]);
        this.network.stabilize();
        return started ? 'started' : 'refused';
      }
      case 'compact': {
        const node = this.network.node(args[0]);
        const index = node.raft.status().appliedIndex;
        const data = new TextEncoder().encode(`state@${index}`);
        node.raft.compact(index, data);
        node.storage.compact({ metadata: { index, term: node.raft.termAt(index) as number, members: this.network.ids }, data });
        return '';
      }
      case 'isolate':
        this.network.isolate(args[0]);
        return '';
      case 'cut':
        this.network.cut(args[0], args[1]);
        return '';
      case 'drop':
        this.network.dropType(args[0] as MessageType);
        return '';
      case 'heal':
        this.network.heal();
        return '';
      case 'status':
        return this.ids(args)
          .map((id) => {
            const s = this.network.raft(id).status();
            return `${id}: ${s.role} term=${s.term} leader=${s.leader ?? '-'} commit=${s.commitIndex} applied=${s.appliedIndex} last=${s.lastIndex}`;
          })
          .join('\n');
      case 'logs':
        return this.ids(args)
          .map((id) => {
            const { snapshot, entries } = this.network.node(id).storage;
            const prefix = snapshot ? [`[${snapshot.metadata.index}@${snapshot.metadata.term}]`] : [];
            return `${id}: ${[...prefix, ...entries.map((e) => String(e.term))].join(' ')}`.trimEnd();
          })
          .join('\n');
      case 'applied':
        return this.network
          .node(args[0])
          .applied.map((e) => decode(e) || '-')
          .join(' ');
      case 'reads':
        return this.network
          .node(args[0])
          .readStates.map((rs) => `${rs.context}@${rs.index}`)
          .join(' ');
      case 'sent':
        return String(this.network.sent.filter((m) => m.type === (args[0] as MessageType)).length);
      case 'hup':
        this.network.raft(args[0]).step(localMessage(MessageType.Hup, args[0]));
        this.network.stabilize();
        return '';
      default:
        throw new Error(`unknown command '${name}'`);
    }
  }

  private get network(): InstantNetwork {
    if (!this.net) throw new Error("start with 'nodes <id>...'");
    return this.net;
  }

  private ids(args: string[]): NodeId[] {
    return args.length > 0 ? args : [...this.network.ids];
  }
}
