/** Amplify's sign-in flows (SRP and its big-number maths, the password challenge): loaded when a form is submitted. */
export { confirmSignIn, signIn } from "aws-amplify/auth";
