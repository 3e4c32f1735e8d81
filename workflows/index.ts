export { accessGrantWorkflow } from './access-grant';
