export interface ConsoleConfig {
  port: number;
  host: string;
  brokerUrl: string;
}
export function consoleConfig(env: Record<string, string | undefined>): ConsoleConfig;
