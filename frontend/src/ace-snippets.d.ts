declare module "ace-builds/src-noconflict/snippets/*";
