export { accessGrantWorkflow } from './access-grant';
export { reconcilerWorkflow } from './reconciler';
