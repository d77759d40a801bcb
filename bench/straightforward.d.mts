// Types for straightforward.mjs (plain JavaScript so that it runs as a process of its own).
export declare const LIMIT: number;
export declare function postFiles(dir: string): string[];
export declare function straightforward(corpus: string, out: string): void;
