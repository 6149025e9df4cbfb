import { SelfCheckPage } from '../features/selfcheck/SelfCheckPage';
import { mount } from './mount';

mount(SelfCheckPage, 'selfcheck.html');
